"""Marketing's loyalty pages: overview, settings, earn rules, tiers, rewards, members."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm import services as crm_services
from crm.models import Order
from loyalty import services
from loyalty.models import Account, EarnRule, LedgerEntry, Programme, Reward, Tier
from tests import factories
from tests.loyalty.conftest import earn, programme, reward, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing(client, marketing_user):
    client.force_login(marketing_user)
    return client


@pytest.fixture
def support(client, support_user):
    client.force_login(support_user)
    return client


@pytest.fixture
def running(db):
    """A programme worth a cent a point, one point per euro, and a Silver tier at 200."""
    programme(name="Retain Rewards")
    rule(EarnRule.Kind.SPEND, name="Points per euro")
    return services.tier_save(data={"name": "Silver", "threshold": 200, "multiplier": Decimal(1)})


def account_of(customer) -> Account:
    return Account.objects.get(customer=customer)


def in_debt(customer):
    """A member who spent points of an order that was then refunded: balance -100."""
    order = earn(customer, total="150.00")
    services.reward_redeem(customer=customer, reward=reward(name="Tote bag", cost=100), author=None)
    crm_services.order_status_set(order=order, status=Order.Status.REFUNDED)
    services.order_points_reverse(order_id=order.pk)
    return customer


# --- Navigation and overview -------------------------------------------------------------


def test_the_main_nav_leads_to_loyalty_and_is_active_on_its_pages(marketing, running):
    page = marketing.get(reverse("crm:customer-list")).content.decode()
    assert 'data-testid="nav-loyalty"' in page
    assert reverse("loyalty:overview") in page
    page = marketing.get(reverse("loyalty:reward-list")).content.decode()
    item = page[: page.index('data-testid="nav-loyalty"')].rsplit("<li", 1)[1]
    assert "active" in item


def test_loyalty_pages_need_a_login_and_a_loyalty_role(client, no_role_user):
    response = client.get(reverse("loyalty:member-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(no_role_user)
    assert client.get(reverse("loyalty:overview")).status_code == 403
    assert client.get(reverse("loyalty:member-list")).status_code == 403


def test_overview_shows_tiers_month_figures_liability_and_debts(marketing, running):
    silver = factories.customer(first_name="Līga")
    earn(silver, total="250.00")
    earn(factories.customer(), total="50.00")
    in_debt(factories.customer())
    response = marketing.get(reverse("loyalty:overview"))
    page = response.content.decode()
    assert response.status_code == 200
    assert account_of(silver).tier == running
    assert "Retain Rewards" in page
    assert 'data-testid="earned">450<' in page  # 250 + 50 + 150
    assert 'data-testid="redeemed">100<' in page
    assert 'data-testid="reversed">150<' in page
    # Unspent: 250 + 50 (the debtor's -100 is not a liability) = 300 points = €3.00.
    assert 'data-testid="liability-money">€3.00<' in page
    assert "300 unspent points" in page
    assert 'data-testid="in-debt">1<' in page
    assert "100 points owed in total" in page
    counts = page.split('data-testid="tier-count">')[1:]
    assert [c.split("<")[0] for c in counts] == ["2", "1"]  # no tier, Silver
    for label in ("Overview", "Members", "Rewards", "Tiers", "Earn rules", "Settings"):
        assert f"{label}</a>" in page


def test_overview_without_a_programme_offers_to_set_it_up(marketing):
    page = marketing.get(reverse("loyalty:overview")).content.decode()
    assert "No loyalty programme yet." in page
    assert f'href="{reverse("loyalty:programme")}">Set up the programme<' in page


def test_support_sees_the_overview_without_the_set_up_button(support):
    page = support.get(reverse("loyalty:overview")).content.decode()
    assert "No loyalty programme yet." in page
    assert "Set up the programme" not in page
    assert "Earn rules</a>" not in page and "Settings</a>" not in page


# --- Programme settings ------------------------------------------------------------------

SETTINGS = {
    "name": "Retain Club",
    "point_name": "stars",
    "point_value": "0.0100",
    "earn_rate": "2",
    "rounding": "nearest",
    "lifetime_months": "24",
    "qualifying_months": "12",
    "enrolment": "explicit",
    "active_from": "2025-01-01",
    "active_to": "",
}


def test_the_first_settings_save_creates_the_programme(marketing):
    page = marketing.get(reverse("loyalty:programme")).content.decode()
    assert 'type="date"' in page and "csrfmiddlewaretoken" in page
    response = marketing.post(reverse("loyalty:programme"), SETTINGS)
    assert response.status_code == 302
    assert response["Location"] == reverse("loyalty:overview")
    saved = Programme.objects.get()
    assert (saved.name, saved.point_name, saved.point_value, saved.earn_rate) == (
        "Retain Club", "stars", Decimal("0.01"), Decimal("2"),
    )  # fmt: skip
    assert (saved.rounding, saved.lifetime_months, saved.enrolment) == ("nearest", 24, "explicit")
    assert saved.active_from == datetime.date(2025, 1, 1) and saved.active_to is None


def test_settings_show_the_programme_and_save_changes(marketing, running):
    page = marketing.get(reverse("loyalty:programme")).content.decode()
    assert 'value="Retain Rewards"' in page
    response = marketing.post(reverse("loyalty:programme"), {**SETTINGS, "name": "Renamed"})
    assert response.status_code == 302
    assert Programme.objects.get().name == "Renamed"


def test_a_programme_ending_before_it_starts_is_refused_at_the_field(marketing, running):
    data = {**SETTINGS, "active_from": "2025-06-01", "active_to": "2025-05-31"}
    response = marketing.post(reverse("loyalty:programme"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "The end cannot be before the start." in page
    assert "Nothing was saved" in page
    assert Programme.objects.get().name == "Retain Rewards"


def test_settings_refuse_bad_numbers_without_a_500(marketing):
    data = {**SETTINGS, "point_value": "0", "earn_rate": "abc", "lifetime_months": "999"}
    response = marketing.post(reverse("loyalty:programme"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 0.0001." in page
    assert "Enter a number." in page
    assert "Ensure this value is less than or equal to 120." in page
    assert not Programme.objects.exists()


# --- Earn rules --------------------------------------------------------------------------


def test_a_rule_is_created_with_channels_and_listed(marketing, running):
    response = marketing.post(
        reverse("loyalty:rule-create"),
        {
            "name": "App bonus",
            "kind": "per_order",
            "points": "25",
            "min_order_total": "20.00",
            "channels": ["app", "web"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    saved = EarnRule.objects.get(name="App bonus")
    assert (saved.points, saved.min_order_total, sorted(saved.channels)) == (
        25, Decimal("20.00"), ["app", "web"],
    )  # fmt: skip
    page = marketing.get(reverse("loyalty:rule-list")).content.decode()
    assert "App bonus" in page and "Mobile app" in page and "Orders from €20.00" in page
    assert 'data-state="live"' in page


def test_a_rule_is_edited_and_the_service_refusal_shows_at_its_field(marketing, running):
    bonus = rule(EarnRule.Kind.SIGNUP, name="Welcome", points=50)
    url = reverse("loyalty:rule-edit", args=[bonus.pk])
    assert 'value="Welcome"' in marketing.get(url).content.decode()
    response = marketing.post(url, {"name": "Welcome", "kind": "signup", "points": "0"})
    assert response.status_code == 400
    assert "Give the points this rule awards." in response.content.decode()
    response = marketing.post(url, {"name": "Welcome", "kind": "signup", "points": "80"})
    assert response.status_code == 302
    bonus.refresh_from_db()
    assert (bonus.points, bonus.is_active) == (80, False)


# --- Tiers -------------------------------------------------------------------------------


def test_tiers_list_their_member_counts(marketing, running):
    earn(factories.customer(), total="300.00")
    earn(factories.customer(), total="20.00")
    page = marketing.get(reverse("loyalty:tier-list")).content.decode()
    assert "Silver" in page
    assert 'data-testid="tier-members"><a href="/loyalty/members/?tier=' in page
    assert f'?tier={running.pk}">1</a>' in page


def test_a_tier_without_a_name_is_refused(marketing, running):
    response = marketing.post(
        reverse("loyalty:tier-create"), {"name": "", "threshold": "500", "multiplier": "1.5"}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Tier.objects.count() == 1


def test_a_tier_is_created_and_a_duplicate_threshold_is_refused(marketing, running):
    response = marketing.post(
        reverse("loyalty:tier-create"), {"name": "Gold", "threshold": "1000", "multiplier": "1.5"}
    )
    assert response.status_code == 302
    assert Tier.objects.get(name="Gold").multiplier == Decimal("1.5")
    response = marketing.post(
        reverse("loyalty:tier-edit", args=[running.pk]),
        {"name": "Silver", "threshold": "1000", "multiplier": "1"},
    )
    assert response.status_code == 400
    assert "Tier with this Threshold already exists." in response.content.decode()


def test_a_tier_is_deleted_after_a_confirmation(marketing, running):
    earn(factories.customer(), total="300.00")
    url = reverse("loyalty:tier-delete", args=[running.pk])
    page = marketing.get(url).content.decode()
    assert "Delete the tier Silver?" in page
    assert "Its 1 member moves to the tier their points reach." in page
    assert "csrfmiddlewaretoken" in page
    assert marketing.post(url).status_code == 302
    assert not Tier.objects.exists()
    assert Account.objects.get().tier is None


# --- Rewards -----------------------------------------------------------------------------


def test_rewards_list_stock_limit_window_state_and_vouchers(marketing, running):
    tote = reward(name="Tote bag", cost=150, stock=10, per_customer_limit=2)
    reward(
        name="Summer cap",
        cost=300,
        active_from=timezone.localdate() + datetime.timedelta(days=10),
    )
    member = factories.customer()
    earn(member, total="500.00")
    services.reward_redeem(customer=member, reward=tote, author=None)
    page = marketing.get(reverse("loyalty:reward-list")).content.decode()
    assert 'data-testid="reward-stock">9<' in page
    assert "2 per customer" in page and "Unlimited" in page and "No limit" in page
    assert 'data-testid="reward-issued">1<' in page
    assert 'data-state="live"' in page and 'data-state="scheduled"' in page


def test_a_reward_is_created_and_edited(marketing, running):
    response = marketing.post(
        reverse("loyalty:reward-create"),
        {"name": "Coffee", "cost": "100", "per_customer_limit": "1", "is_active": "on"},
    )
    assert response.status_code == 302
    coffee = Reward.objects.get(name="Coffee")
    assert (coffee.cost, coffee.stock, coffee.per_customer_limit) == (100, None, 1)
    response = marketing.post(
        reverse("loyalty:reward-edit", args=[coffee.pk]),
        {"name": "Coffee", "cost": "0", "active_from": "2025-02-01", "active_to": "2025-01-01"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 1." in page
    response = marketing.post(
        reverse("loyalty:reward-edit", args=[coffee.pk]),
        {"name": "Coffee", "cost": "120", "active_from": "2025-02-01", "active_to": "2025-01-01"},
    )
    assert response.status_code == 400
    assert "The end cannot be before the start." in response.content.decode()
    coffee.refresh_from_db()
    assert coffee.cost == 100


# --- Permissions -------------------------------------------------------------------------


def test_support_may_not_change_the_programme_rules_tiers_or_rewards(support, running):
    tier = Tier.objects.get()
    voucher = reward()
    spend = EarnRule.objects.get()
    for name, args in [
        ("loyalty:programme", []),
        ("loyalty:rule-list", []),
        ("loyalty:rule-create", []),
        ("loyalty:rule-edit", [spend.pk]),
        ("loyalty:tier-create", []),
        ("loyalty:tier-edit", [tier.pk]),
        ("loyalty:tier-delete", [tier.pk]),
        ("loyalty:reward-create", []),
        ("loyalty:reward-edit", [voucher.pk]),
    ]:
        url = reverse(name, args=args)
        assert support.get(url).status_code == 403, name
        if name != "loyalty:rule-list":
            assert support.post(url, {"name": "x"}).status_code == 403, name
    assert Tier.objects.filter(pk=tier.pk).exists()


def test_support_views_members_tiers_and_rewards_without_edit_links(support, running):
    member = factories.customer(first_name="Līga")
    earn(member, total="120.00")
    assert support.get(reverse("loyalty:tier-list")).status_code == 200
    page = support.get(reverse("loyalty:reward-list")).content.decode()
    assert "New reward" not in page
    page = support.get(reverse("loyalty:member-list")).content.decode()
    assert "Līga" in page
    page = support.get(reverse("loyalty:member-detail", args=[member.pk])).content.decode()
    assert 'data-testid="balance">120<' in page
    assert 'data-testid="adjust-form"' not in page
    response = support.post(
        reverse("loyalty:adjust", args=[member.pk]), {"points": "5", "reason": "Nice"}
    )
    assert response.status_code == 403


# --- Members -----------------------------------------------------------------------------


def test_member_list_filters_by_tier_debt_and_search_and_sorts(marketing, running):
    liga = factories.customer(first_name="Līga", last_name="Ozola", email="liga@example.com")
    earn(liga, total="300.00")
    jonas = factories.customer(first_name="Jonas", last_name="Kalns")
    earn(jonas, total="40.00")
    debtor = in_debt(factories.customer(first_name="Pēteris"))
    url = reverse("loyalty:member-list")

    def names(query: dict) -> list[str]:
        page = marketing.get(url, query).content.decode()
        return [p.split("<")[0] for p in page.split('data-testid="member-name">')[1:]]

    assert names({"ordering": "-balance"}) == ["Līga Ozola", "Jonas Kalns", debtor.display_name]
    assert names({"tier": running.pk}) == ["Līga Ozola"]
    assert names({"tier": "none", "ordering": "balance"}) == [debtor.display_name, "Jonas Kalns"]
    assert names({"owing": "on"}) == [debtor.display_name]
    assert names({"q": "liga@exa"}) == ["Līga Ozola"]
    assert names({"q": "kalns"}) == ["Jonas Kalns"]
    page = marketing.get(url, {"q": "nobody"}).content.decode()
    assert "No member matches these filters." in page
    # A filter that is not valid is named and left out; the rows still show.
    response = marketing.get(url, {"tier": "999999", "ordering": "nonsense"})
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in response.content.decode()
    assert response.content.decode().count('data-testid="member-row"') == 3


def test_member_list_query_count_stays_the_same_as_members_grow(
    marketing, running, django_assert_num_queries
):
    url = reverse("loyalty:member-list")
    earn(factories.customer(), total="300.00")
    # session, user, the user's permissions (user, group), tiers, count, rows; on
    # PostgreSQL the count asks the planner's estimate first (config.paging)
    queries = 8 if connection.vendor == "postgresql" else 7
    with django_assert_num_queries(queries):
        first = marketing.get(url)
    for _n in range(5):
        earn(factories.customer(), total="250.00")
    with django_assert_num_queries(queries):
        second = marketing.get(url)
    assert first.content.decode().count('data-testid="member-row"') == 1
    assert second.content.decode().count('data-testid="member-row"') == 6


def test_member_detail_shows_balance_ledger_tier_history_and_vouchers(
    marketing, running, marketing_user
):
    member = factories.customer(first_name="Līga", last_name="Ozola")
    earn(member, total="250.00")
    tote = reward(name="Tote bag", cost=100)
    redemption, _replayed = services.reward_redeem(
        customer=member, reward=tote, author=marketing_user
    )
    response = marketing.get(reverse("loyalty:member-detail", args=[member.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="balance">150<' in page
    assert 'data-testid="tier">Silver<' in page
    assert 'data-testid="qualifying">250<' in page
    assert "Worth €1.50" in page
    points = [p.split("<")[0] for p in page.split('data-testid="ledger-points">')[1:]]
    assert points == ["-100", "+250"]  # newest first
    assert "Redeemed Tote bag" in page and "150 unspent" in page
    assert "No tier → Silver" in page and "Points earned" in page
    assert f">{redemption.code}<" in page
    assert reverse("loyalty:redemption-cancel", args=[redemption.pk]) in page
    assert reverse("crm:customer-detail", args=[member.pk]) in page
    assert "mia.marketing" in page


def test_a_voucher_cancelled_from_the_member_page_comes_back_to_it(marketing, running):
    member = factories.customer()
    earn(member, total="250.00")
    redemption, _ = services.reward_redeem(customer=member, reward=reward(), author=None)
    detail = reverse("loyalty:member-detail", args=[member.pk])
    response = marketing.post(
        reverse("loyalty:redemption-cancel", args=[redemption.pk]), {"next": detail}
    )
    assert response["Location"] == detail
    assert account_of(member).balance == 250


def test_member_detail_of_a_customer_who_is_not_a_member(marketing, running):
    customer = factories.customer(first_name="Anna")
    page = marketing.get(reverse("loyalty:member-detail", args=[customer.pk])).content.decode()
    assert "Not a loyalty member." in page
    assert 'data-testid="adjust-form"' in page


def test_member_detail_of_an_unknown_customer_is_404(marketing, running):
    assert marketing.get(reverse("loyalty:member-detail", args=[999999])).status_code == 404
    response = marketing.post(
        reverse("loyalty:adjust", args=[999999]), {"points": "5", "reason": "x"}
    )
    assert response.status_code == 404


def test_an_adjustment_writes_a_ledger_entry_with_its_author(marketing, running, marketing_user):
    member = factories.customer()
    earn(member, total="100.00")
    response = marketing.post(
        reverse("loyalty:adjust", args=[member.pk]),
        {"points": "-30", "reason": "Goodwill correction"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("loyalty:member-detail", args=[member.pk])
    entry = LedgerEntry.objects.get(kind="adjust")
    assert (entry.points, entry.reason) == (-30, "Goodwill correction")
    assert entry.author == marketing_user
    assert account_of(member).balance == 70
    page = marketing.get(response["Location"]).content.decode()
    assert "-30 points recorded; the balance is now 70." in page
    assert "Goodwill correction" in page


def test_an_adjustment_enrols_a_customer_who_is_not_a_member(marketing, running):
    customer = factories.customer()
    response = marketing.post(
        reverse("loyalty:adjust", args=[customer.pk]), {"points": "40", "reason": "Apology"}
    )
    assert response.status_code == 302
    assert account_of(customer).balance == 40


def test_an_adjustment_without_a_reason_is_refused(marketing, running):
    member = factories.customer()
    earn(member, total="100.00")
    response = marketing.post(
        reverse("loyalty:adjust", args=[member.pk]), {"points": "10", "reason": "  "}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why the points change; the customer may ask." in page
    assert 'data-testid="ledger"' in page  # the member's page, with the form's errors
    assert not LedgerEntry.objects.filter(kind="adjust").exists()


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("0", "Enter a whole number of points other than zero."),
        ("1.5", "Enter a whole number of points other than zero."),
        ("2000000", "Adjust by at most 1,000,000 points at a time."),
        ("-500", "The balance is 100 points; an adjustment cannot take it below zero."),
    ],
)
def test_an_adjustment_the_service_refuses_shows_why(marketing, running, points, message):
    member = factories.customer()
    earn(member, total="100.00")
    response = marketing.post(
        reverse("loyalty:adjust", args=[member.pk]), {"points": points, "reason": "Check"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert account_of(member).balance == 100


def test_member_detail_query_count_stays_the_same_as_the_ledger_grows(
    marketing, running, django_assert_num_queries
):
    member = factories.customer()
    earn(member, total="300.00")
    services.reward_redeem(customer=member, reward=reward(), author=None)
    url = reverse("loyalty:member-detail", args=[member.pk])
    # session, user, permissions (user, group), customer; account_summary: account,
    # expiring, rewards, vouchers (programme and tiers: cached); ledger count and page,
    # tier changes, vouchers
    marketing.get(url)  # fills the programme cache
    with django_assert_num_queries(13):
        marketing.get(url)
    for _n in range(4):
        earn(member, total="20.00")
    services.reward_redeem(customer=member, reward=reward(name="Cap", cost=50), author=None)
    with django_assert_num_queries(13):
        page = marketing.get(url).content.decode()
    assert page.count('data-testid="ledger-row"') == 7
    assert page.count('data-testid="voucher-row"') == 2


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        # session, user, permissions (user, group), rules, programme
        ("loyalty:rule-list", 6),
        # session, user, permissions (user, group), tiers with counts, programme
        ("loyalty:tier-list", 6),
        # session, user, permissions (user, group), rewards with voucher counts
        ("loyalty:reward-list", 5),
    ],
)
def test_setup_lists_take_the_same_queries_however_many_rows(
    marketing, running, django_assert_num_queries, name, queries
):
    with django_assert_num_queries(queries):
        marketing.get(reverse(name))
    for n in range(3):
        rule(EarnRule.Kind.PER_ORDER, name=f"Bonus {n}", points=10, channels=["web"])
        services.tier_save(data={"name": f"Tier {n}", "threshold": 1000 + n})
        reward(name=f"Reward {n}")
    with django_assert_num_queries(queries):
        page = marketing.get(reverse(name)).content.decode()
    assert "Bonus 2" in page or "Tier 2" in page or "Reward 2" in page


def test_member_detail_shows_the_points_when_the_programme_is_gone(marketing, running):
    member = factories.customer()
    earn(member, total="80.00")
    Programme.objects.all().delete()
    page = marketing.get(reverse("loyalty:member-detail", args=[member.pk])).content.decode()
    assert "No loyalty programme is set up yet." in page
    assert 'data-testid="balance">80<' in page
