import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import Case, Interaction, Order
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, support_user):
    client.force_login(support_user)
    return client


def test_the_list_shows_customers_with_their_totals_and_paginates(logged_in):
    for n in range(30):
        customer = factories.customer(first_name=f"Zane{n:02d}", last_name="Liepa")
        factories.order(customer, total="12.50")
    page1 = logged_in.get(reverse("crm:customer-list")).content.decode()
    assert "Zane00 Liepa" in page1 and "Zane24 Liepa" in page1 and "Zane25 Liepa" not in page1
    assert "€12.50" in page1  # the account currency in the language's style
    assert "1–25 of 30" in page1
    page2 = logged_in.get(reverse("crm:customer-list"), {"page": 2}).content.decode()
    assert "Zane25 Liepa" in page2 and "Zane00 Liepa" not in page2


def test_search_by_name_email_and_phone_fragment(logged_in):
    factories.customer(first_name="Kristīne", last_name="Kļaviņa", phone="+37126000111")
    factories.customer(first_name="Tomas", last_name="Jankauskas", email="tomas@shop.lt")
    for query, expected, absent in [
        ("kļav", "Kristīne", "Tomas"),
        ("shop.lt", "Tomas", "Kristīne"),
        ("26000", "Kristīne", "Tomas"),
    ]:
        html = logged_in.get(reverse("crm:customer-list"), {"q": query}).content.decode()
        assert expected in html and absent not in html, query


def test_an_htmx_search_returns_only_the_results(logged_in):
    factories.customer(first_name="Ieva")
    response = logged_in.get(reverse("crm:customer-list"), {"q": "ieva"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Ieva" in html
    assert "<nav" not in html.split('data-testid="customer-table"')[0]  # no page chrome


def test_an_empty_result_says_so(logged_in):
    html = logged_in.get(reverse("crm:customer-list"), {"q": "nobody"}).content.decode()
    assert "No customer matches these filters." in html


def test_a_bad_filter_value_shows_an_error_not_a_500(logged_in):
    response = logged_in.get(
        reverse("crm:customer-list"), {"since_from": "31.02.2025", "page": "x"}
    )
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in response.content.decode()


def test_an_invalid_filter_is_named_in_words_and_the_valid_ones_still_apply(logged_in):
    factories.customer(first_name="Agnieszka", country="PL")
    factories.customer(first_name="Rūta", country="LT")
    response = logged_in.get(
        reverse("crm:customer-list"),
        {"ordering": "bogus", "since_from": "2025-13-40", "country": "PL", "page_size": "7"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    errors = html.split('data-testid="filter-errors"')[1].split("</div>")[0]
    assert "Sort by" in errors and "Customer since (from)" in errors and "Per page" in errors
    assert "ordering" not in errors and "since_from" not in errors  # no raw parameter names
    assert "Agnieszka" in html and "Rūta" not in html  # the country filter still applies


def test_the_list_shows_25_50_or_100_per_page(logged_in):
    for n in range(60):
        factories.customer(first_name=f"Ilze{n:02d}")
    html = logged_in.get(reverse("crm:customer-list"), {"page_size": "50"}).content.decode()
    assert "Ilze49" in html and "Ilze50" not in html
    assert "1–50 of 60" in html


# session, user, user permissions, group permissions, customer count, customer page with
# order aggregates, their tags, the page's statuses, tag choices, owner choices, segment
# choices; on PostgreSQL also the planner's row estimate (config/paging.py)
LIST_QUERIES = 11 + (connection.vendor == "postgresql")


def test_the_list_query_count_stays_the_same_as_data_grows(logged_in, django_assert_num_queries):
    factories.customer()
    with django_assert_num_queries(LIST_QUERIES):
        logged_in.get(reverse("crm:customer-list"))
    for n in range(20):
        customer = factories.customer(tags=[services.tag_create(name=f"tag{n}")])
        factories.order(customer)
    with django_assert_num_queries(LIST_QUERIES):
        logged_in.get(reverse("crm:customer-list"))


def test_the_profile_shows_contact_summary_and_timeline(logged_in, support_user):
    customer = factories.customer(
        first_name="Agnieszka",
        last_name="Nowak",
        country="PL",
        phone="600 123 456",
        customer_since=datetime.date(2024, 5, 1),
    )
    factories.order(customer, total="100.00", external_id="PL-1", days_ago=3)
    factories.order(customer, total="50.00", external_id="PL-2", days_ago=1)
    refunded = factories.order(customer, total="70.00", external_id="PL-3", days_ago=2)
    services.order_status_set(order=refunded, status="refunded")
    services.interaction_create(
        customer=customer, author=support_user, subject="Size exchange", body="Sent a larger size."
    )
    html = logged_in.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert "Agnieszka Nowak" in html
    assert "+48 600 123 456" in html
    assert "€150.00" in html  # revenue: completed only
    assert "€75.00" in html  # average order value
    assert "1 refunded, 0 cancelled" in html
    assert html.index("Size exchange") < html.index("Order PL-2") < html.index("Order PL-3")


# session, user, user permissions, group permissions, customer with owner, its tags,
# timeline orders, timeline interactions with authors and cases, timeline cases,
# timeline history with actors, order summary, status, cases panel: active count, latest;
# loyalty (registered like any app): ledger lines (its settings come from the cache, which
# the first request fills; no programme: no panel); surveys: the latest score, answers;
# analytics: the customer's churn-risk score
PROFILE_QUERIES = 18


def test_the_profile_query_count_does_not_grow_with_history(
    logged_in, support_user, django_assert_num_queries
):
    customer = factories.customer()
    factories.order(customer)
    services.interaction_create(customer=customer, author=support_user, body="first")
    case = factories.case(customer)
    services.case_comment_add(case=case, author=support_user, kind="note", body="Checking")
    logged_in.get(reverse("crm:customer-detail", args=[customer.pk]))  # fills the caches
    with django_assert_num_queries(PROFILE_QUERIES):
        logged_in.get(reverse("crm:customer-detail", args=[customer.pk]))
    # 999 more of each in bulk: through the services this would take half a minute and
    # prove nothing more (their rules are tested elsewhere); only the count matters here.
    start = timezone.now() - datetime.timedelta(days=900)
    moments = [start + datetime.timedelta(hours=n * 7) for n in range(999)]
    Order.objects.bulk_create(
        Order(customer=customer, external_id=f"BULK-{n}", placed_at=m, total=10, currency="EUR")
        for n, m in enumerate(moments)
    )
    Interaction.objects.bulk_create(
        Interaction(customer=customer, author=support_user, body=f"n{n}", occurred_at=m)
        for n, m in enumerate(moments)
    )
    Case.objects.bulk_create(
        Case(customer=customer, number=5000 + n, subject=f"c{n}", opened_at=m, due_at=m)
        for n, m in enumerate(moments)
    )
    assert customer.orders.count() == customer.cases.count() == 1000
    assert customer.interactions.count() == 1001
    with django_assert_num_queries(PROFILE_QUERIES):
        html = logged_in.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert "Show older" in html
    assert html.count('data-testid="timeline-') == 30  # orders, notes, cases and changes
    assert html.count('data-testid="profile-case"') == 5


def test_adding_a_note_puts_it_on_the_timeline(logged_in, support_user):
    customer = factories.customer()
    response = logged_in.post(
        reverse("crm:interaction-add", args=[customer.pk]),
        {"kind": "call", "direction": "inbound", "subject": "Late parcel", "body": "Courier delay"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Late parcel" in response.content.decode()
    note = Interaction.objects.get()
    assert (note.kind, note.direction, note.author) == ("call", "inbound", support_user)


def test_an_empty_note_shows_an_error_and_saves_nothing(logged_in):
    customer = factories.customer()
    response = logged_in.post(
        reverse("crm:interaction-add", args=[customer.pk]),
        {"kind": "note", "direction": "internal", "body": "  "},
    )
    assert response.status_code == 400
    assert "Write something: a subject or a text." in response.content.decode()
    assert not Interaction.objects.exists()


def test_an_unknown_customer_is_a_404(logged_in):
    assert logged_in.get(reverse("crm:customer-detail", args=[999999])).status_code == 404


def test_an_impossible_timeline_cursor_is_ignored_not_a_500(logged_in):
    customer = factories.customer()
    factories.order(customer)
    response = logged_in.get(
        reverse("crm:customer-detail", args=[customer.pk]), {"until": "2025-13-45T99:00:00+02:00"}
    )
    assert response.status_code == 200
    assert 'data-testid="timeline-order"' in response.content.decode()


def test_the_chosen_language_is_kept_for_the_session(logged_in):
    logged_in.post("/i18n/setlang/", {"language": "lv", "next": "/customers/"})
    html = logged_in.get(reverse("crm:customer-list")).content.decode()
    assert '<html lang="lv">' in html
    assert '<option value="lv" selected>Latviešu</option>' in html


@pytest.mark.parametrize("until", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"])
def test_a_cursor_the_database_cannot_store_is_ignored(logged_in, until):
    customer = factories.customer()
    response = logged_in.get(reverse("crm:customer-detail", args=[customer.pk]), {"until": until})
    assert response.status_code == 200


def test_a_role_without_order_and_note_rights_sees_only_the_contact_data(client):
    from django.contrib.auth.models import Group, Permission

    from tests.conftest import make_user

    group = Group.objects.create(name="Segments only")
    group.permissions.add(Permission.objects.get(codename="view_customer"))
    user = make_user("sid.segments", None)
    user.groups.add(group)
    customer = factories.customer(first_name="Ona")
    factories.order(customer, external_id="SECRET-ORDER")
    services.interaction_create(customer=customer, author=None, body="private support note")
    client.force_login(user)
    html = client.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert "Ona" in html
    assert "SECRET-ORDER" not in html and "private support note" not in html
    assert 'data-testid="order-summary"' not in html


@pytest.mark.parametrize("language", ["en", "lv", "lt", "pl", "ru"])
def test_the_pages_render_in_every_language(logged_in, support_user, language):
    customer = factories.customer(first_name="Ieva", customer_since=datetime.date(2025, 1, 2))
    factories.order(customer, total="1234.50")
    services.interaction_create(customer=customer, author=support_user, body="Sveiki")
    logged_in.post("/i18n/setlang/", {"language": language, "next": "/"})
    listing = logged_in.get(reverse("crm:customer-list")).content.decode()
    profile = logged_in.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert f'<html lang="{language}">' in listing and "Ieva" in listing
    assert f'<html lang="{language}">' in profile and "Sveiki" in profile


def _row(html: str, name: str) -> str:
    """The list row (<tr>...</tr>) that shows `name`."""
    start = html.index(name)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def test_each_row_shows_its_status_in_words_with_an_explanation(logged_in):
    today = datetime.date.today()
    active = factories.customer(first_name="Aktīva")
    factories.order(active, days_ago=3)
    factories.customer(first_name="Klusa", customer_since=today - datetime.timedelta(days=200))
    factories.customer(
        first_name="Slēgta",
        customer_since=today - datetime.timedelta(days=300),
        closed_on=today - datetime.timedelta(days=10),
    )
    html = logged_in.get(reverse("crm:customer-list")).content.decode()
    assert 'data-status="active"' in _row(html, "Aktīva")
    assert "Ordered or became a customer in the last 90 days" in _row(html, "Aktīva")
    assert 'data-status="lapsed"' in _row(html, "Klusa")
    assert "No order in the last 90 days" in _row(html, "Klusa")
    assert 'data-status="closed"' in _row(html, "Slēgta")
    assert "Prospect" not in html


def test_a_row_carries_every_figure_a_phone_card_shows(logged_in):
    customer = factories.customer(first_name="Marta", email="marta.ozolina@example.lv")
    factories.order(
        customer, total="1234.50", placed_at=factories.at_day(datetime.date(2026, 10, 13))
    )
    row = _row(logged_in.get(reverse("crm:customer-list")).content.decode(), "Marta")
    # On a phone the row is a card: name, email, status, then the figures with their labels.
    assert 'title="marta.ozolina@example.lv"' in row
    assert 'data-status="active"' in row or 'data-status="lapsed"' in row
    assert 'data-label="Orders"' in row and 'data-label="Revenue"' in row
    assert 'data-label="Last order"' in row
    assert "€1,234.50" in row
    assert '<td class="cell-figure text-nowrap" data-label="Last order">13 Oct 2026</td>' in row


def test_the_per_page_choice_keeps_the_search_and_filters(logged_in):
    factories.customer(first_name="Ilze", country="LV")
    html = logged_in.get(
        reverse("crm:customer-list"), {"q": "ilze", "country": "LV", "page_size": "50", "page": "1"}
    ).content.decode()
    sizes = html.split('data-testid="page-sizes"')[1].split("</div>\n  </div>")[0]
    assert 'href="?q=ilze&amp;country=LV"' in sizes  # 25, the default, needs no parameter
    assert 'href="?q=ilze&amp;country=LV&amp;page_size=100"' in sizes
    assert 'class="btn btn-sm active" aria-current="true"' in sizes.split("page_size=100")[0]
    # The search form sends the chosen size along with the next search.
    assert '<input type="hidden" name="page_size" value="50">' in html


def test_pagination_links_keep_the_query_and_change_only_the_page(logged_in):
    for n in range(30):
        factories.customer(first_name=f"Ieva{n:02d}", country="LV")
    html = logged_in.get(
        reverse("crm:customer-list"), {"country": "LV", "ordering": "name"}
    ).content.decode()
    assert 'href="?country=LV&amp;ordering=name&amp;page=2" rel="next"' in html


def test_an_empty_list_without_filters_says_there_are_no_customers_yet(logged_in):
    html = logged_in.get(reverse("crm:customer-list")).content.decode()
    assert "No customers yet." in html
    assert "No customer matches these filters." not in html


def test_the_profile_uses_one_date_and_one_date_time_style(logged_in, support_user):
    customer = factories.customer(
        first_name="Laura",
        customer_since=datetime.date(2024, 8, 6),
        email_consent=True,
    )
    factories.order(customer, placed_at=factories.at_day(datetime.date(2024, 8, 6), hour=11))
    html = logged_in.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert "Customer since 6 Aug 2024" in html
    assert ">6 Aug 2024, 11:00</time>" in html
    assert "06 Aug 2024" not in html  # no second date style on the page


@pytest.mark.parametrize(
    ("language", "since", "revenue", "placed"),
    [
        ("lv", "06.08.2024.", "1\xa0234,50\xa0€", "06.08.2024. 11:00"),
        ("lt", "2024-08-06", "1\xa0234,50\xa0€", "2024-08-06 11:00"),
        ("pl", "06.08.2024", "1\xa0234,50\xa0€", "06.08.2024 11:00"),
        ("ru", "06.08.2024", "1\xa0234,50\xa0€", "06.08.2024 11:00"),
    ],
)
def test_dates_and_money_follow_the_language(logged_in, language, since, revenue, placed):
    customer = factories.customer(first_name="Ieva", customer_since=datetime.date(2024, 8, 6))
    factories.order(
        customer, total="1234.50", placed_at=factories.at_day(datetime.date(2024, 8, 6), hour=11)
    )
    logged_in.post("/i18n/setlang/", {"language": language, "next": "/"})
    html = logged_in.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert since in html
    assert f'data-testid="revenue">{revenue}</div>' in html
    assert f">{placed}</time>" in html


def test_older_timeline_entries_offer_a_way_back_to_the_newest(logged_in, support_user):
    customer = factories.customer()
    for n in range(40):
        services.interaction_create(customer=customer, author=support_user, body=f"n{n}")
    url = reverse("crm:customer-detail", args=[customer.pk])
    newest = logged_in.get(url).content.decode()
    assert "Show older" in newest and "Back to newest" not in newest
    until = newest.split("?until=")[1].split("#")[0]
    older = logged_in.get(f"{url}?until={until}", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="back-to-newest"' in older
    assert f'hx-get="{url}" hx-select="#timeline-feed"' in older  # back to the newest, in place
    assert "That is the whole history." in older  # 40 entries: the second page is the last


def test_a_role_without_orders_or_notes_is_told_so_instead_of_an_empty_timeline(client):
    from django.contrib.auth.models import Group, Permission

    from tests.conftest import make_user

    group = Group.objects.create(name="Contacts only")
    group.permissions.add(Permission.objects.get(codename="view_customer"))
    user = make_user("cleo.contacts", None)
    user.groups.add(group)
    customer = factories.customer()
    client.force_login(user)
    html = client.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert "Your role does not show orders or notes." in html
    assert "Nothing on the timeline yet." not in html


def test_the_folded_filter_button_counts_the_filters_in_use(logged_in):
    factories.customer(first_name="Ilze", country="LV")
    html = logged_in.get(
        reverse("crm:customer-list"),
        {"q": "ilze", "country": "LV", "status": "active", "ordering": "name"},
    ).content.decode()
    assert 'data-testid="filters-in-use">2<' in html  # country and status; not search or sort
    plain = logged_in.get(reverse("crm:customer-list"), {"q": "ilze"}).content.decode()
    assert 'data-testid="filters-in-use"' not in plain


def test_the_timeline_shows_one_kind_when_asked(logged_in, support_user):
    customer = factories.customer()
    factories.order(customer, external_id="ORD-7")
    services.interaction_create(customer=customer, author=support_user, subject="Called back")
    url = reverse("crm:customer-detail", args=[customer.pk])
    everything = logged_in.get(url).content.decode()
    assert "ORD-7" in everything and "Called back" in everything
    orders = logged_in.get(url, {"kind": "order"}).content.decode()
    assert "ORD-7" in orders and "Called back" not in orders
    notes = logged_in.get(url, {"kind": "interaction"}).content.decode()
    assert "ORD-7" not in notes and "Called back" in notes
    unknown = logged_in.get(url, {"kind": "bogus"}).content.decode()
    assert "ORD-7" in unknown and "Called back" in unknown  # an unknown kind is ignored


def test_a_registered_panel_shows_on_the_profile_for_its_permission(
    logged_in, client, marketing_user, monkeypatch, settings, tmp_path
):
    from crm import extensions

    (tmp_path / "points_panel.html").write_text("Points: {{ points }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    calls = []

    def load(customer, user):
        calls.append(customer.pk)
        return {"points": 1234}

    monkeypatch.setattr(extensions, "_panels", dict(extensions._panels))
    extensions.panel_register(
        extensions.ProfilePanel(
            key="points",
            label="Loyalty",
            template="points_panel.html",
            load=load,
            permission="crm.add_interaction",
            column="main",
        )
    )
    customer = factories.customer()
    html = logged_in.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert 'data-testid="panel-points"' in html and "Points: 1234" in html
    client.force_login(marketing_user)  # may not add interactions: no panel, no load
    other = client.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert 'data-testid="panel-points"' not in other
    assert calls == [customer.pk]


def test_a_second_panel_or_source_with_the_same_key_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    from crm import extensions

    with pytest.raises(ImproperlyConfigured):
        extensions.panel_register(
            extensions.ProfilePanel(key="contact", label="X", template="x.html", load=print)
        )
    with pytest.raises(ImproperlyConfigured):
        extensions.timeline_source_register(
            extensions.TimelineSource(kind="order", label="X", fetch=print)
        )


def test_links_on_a_page_with_refused_filters_leave_them_out(logged_in):
    for n in range(30):
        factories.customer(first_name=f"Zane{n:02d}", country="LV")
    html = logged_in.get(
        reverse("crm:customer-list"),
        {"ordering": "bogus", "page_size": "7", "country": "LV"},
    ).content.decode()
    next_link = html.split('rel="next"')[0].rsplit('href="', 1)[1]
    assert "country=LV" in next_link and "page=2" in next_link
    assert "bogus" not in next_link and "page_size" not in next_link


def test_a_too_long_note_says_only_that_it_is_too_long(logged_in):
    customer = factories.customer()
    response = logged_in.post(
        reverse("crm:interaction-add", args=[customer.pk]),
        {"kind": "note", "direction": "internal", "subject": "s" * 201, "body": ""},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "at most 200 characters" in html and "Write something" not in html


def test_the_profile_header_shows_owner_consent_and_tags(logged_in, support_user):
    vip = services.tag_create(name="VIP")
    customer = factories.customer(owner=support_user, email_consent=True, tags=[vip])
    html = logged_in.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    header = html.split('data-testid="profile-name"')[1].split("page-body")[0]
    assert "Owner: sam.support" in header
    assert "Emails: yes" in header and "SMS: no" in header
    assert 'data-testid="header-tag"' in header and "VIP" in header


def test_the_chosen_filters_stay_selected(logged_in, support_user):
    tag = services.tag_create(name="VIP")
    html = logged_in.get(
        reverse("crm:customer-list"),
        {"status": "lapsed", "country": "LV", "tag": tag.pk, "owner": support_user.pk},
    ).content.decode()
    assert '<option value="lapsed" selected>' in html
    assert '<option value="LV" selected>' in html
    assert f'<option value="{tag.pk}" selected>VIP</option>' in html
    assert f'<option value="{support_user.pk}" selected>' in html
