"""Segment pages and the CSV exports of customers and segment members."""

import csv
import io
import json

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from crm import services
from crm.models import DataExport, Segment
from tests import factories

pytestmark = pytest.mark.django_db

LATVIANS = {"match": "all", "conditions": [{"type": "country", "op": "in", "value": ["LV"]}]}


@pytest.fixture
def logged_in(client, marketing_user):
    client.force_login(marketing_user)
    return client


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


def test_a_segment_is_built_in_the_page(logged_in, marketing_user):
    factories.customer(first_name="Līga", country="LV")
    factories.customer(first_name="Jonas", country="LT")
    response = logged_in.post(
        reverse("crm:segment-create"),
        {"name": "Latvians", "description": "Riga office", "rule": json.dumps(LATVIANS)},
    )
    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:segment-detail", args=[segment.pk])
    assert (segment.created_by, segment.tracked) == (marketing_user, False)
    page = logged_in.get(reverse("crm:segment-detail", args=[segment.pk])).content.decode()
    assert 'data-testid="member-count">1<' in page
    assert "Līga" in page and "Jonas" not in page
    assert "Country is one of Latvia" in page


def test_an_invalid_rule_is_shown_naming_the_condition_and_nothing_is_saved(logged_in):
    rule = {"match": "all", "conditions": [{"type": "order_count", "op": "gte", "value": "x"}]}
    response = logged_in.post(
        reverse("crm:segment-create"), {"name": "Broken", "rule": json.dumps(rule)}
    )
    assert response.status_code == 400
    assert "Condition 1 (Completed orders): enter a whole number." in response.content.decode()
    assert not Segment.objects.exists()


def test_the_builder_page_carries_every_condition_for_the_script(logged_in):
    page = logged_in.get(reverse("crm:segment-create")).content.decode()
    assert 'id="segment-conditions"' in page and '"key": "first_order"' in page


def test_editing_and_deleting_a_segment(logged_in):
    segment = services.segment_create(name="Latvians", rule=LATVIANS)
    response = logged_in.post(
        reverse("crm:segment-edit", args=[segment.pk]),
        {"name": "Latvians", "tracked": "on", "rule": json.dumps(LATVIANS)},
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.tracked is True
    logged_in.post(reverse("crm:segment-delete", args=[segment.pk]))
    assert not Segment.objects.exists()


def test_a_segment_filters_the_customer_list(logged_in):
    factories.customer(first_name="Līga", country="LV")
    factories.customer(first_name="Jonas", country="LT")
    segment = services.segment_create(name="Latvians", rule=LATVIANS)
    html = logged_in.get(reverse("crm:customer-list"), {"segment": segment.pk}).content.decode()
    assert "Līga" in html and "Jonas" not in html


def test_a_segment_export_streams_its_members_and_is_recorded(logged_in, marketing_user):
    factories.customer(first_name="=HYPERLINK(1)", last_name="Ozola", country="LV")
    factories.customer(first_name="Jonas", country="LT")
    segment = services.segment_create(name="Latvians", rule=LATVIANS)
    response = logged_in.get(reverse("crm:segment-export", args=[segment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv(response)
    assert [(r["first_name"], r["country"]) for r in rows] == [("'=HYPERLINK(1)", "LV")]
    export = DataExport.objects.get()
    assert (export.user, export.kind, export.segment) == (marketing_user, "segment", segment)
    assert LogEntry.objects.get_for_object(export).get().actor == marketing_user


def test_the_customer_list_export_keeps_the_lists_filters(logged_in):
    factories.customer(first_name="Līga", country="LV", phone="+37129123456")
    factories.customer(first_name="Jonas", country="LT")
    factories.order(factories.customer(first_name="Ilze", country="LV"), total="12.50")
    response = logged_in.get(reverse("crm:customer-export"), {"country": "LV"})
    rows = _csv(response)
    assert sorted(r["first_name"] for r in rows) == ["Ilze", "Līga"]
    ilze = next(r for r in rows if r["first_name"] == "Ilze")
    assert (ilze["order_count"], ilze["revenue"]) == ("1", "12.50")
    assert next(r for r in rows if r["first_name"] == "Līga")["phone"] == "+37129123456"
    assert DataExport.objects.get().filters == "country=LV"


def test_the_export_query_count_does_not_grow_with_the_rows(logged_in, django_assert_num_queries):
    for n in range(30):
        factories.customer(first_name=f"Anna{n}", tags=[services.tag_create(name=f"t{n}")])
    response = logged_in.get(reverse("crm:customer-export"))
    with django_assert_num_queries(2):  # one chunk of customers, their tags
        assert len(_csv(response)) == 30


@pytest.mark.parametrize(
    ("role", "can_see", "can_build", "can_delete"),
    [
        ("support", True, True, False),
        ("marketing", True, True, True),
        ("admin", True, True, True),
        ("none", False, False, False),
    ],
)
def test_segment_pages_follow_the_role_matrix(
    client, role_users, role, can_see, can_build, can_delete
):
    segment = services.segment_create(name="Latvians", rule=LATVIANS)
    client.force_login(role_users[role])
    expect = {True: 200, False: 403}
    assert client.get(reverse("crm:segment-list")).status_code == expect[can_see]
    assert (
        client.get(reverse("crm:segment-detail", args=[segment.pk])).status_code == expect[can_see]
    )
    assert (
        client.get(reverse("crm:segment-export", args=[segment.pk])).status_code == expect[can_see]
    )
    assert client.get(reverse("crm:segment-create")).status_code == expect[can_build]
    assert (
        client.get(reverse("crm:segment-edit", args=[segment.pk])).status_code == expect[can_build]
    )
    client.post(reverse("crm:segment-delete", args=[segment.pk]))
    assert Segment.objects.exists() is not can_delete
    assert client.get(reverse("crm:customer-export")).status_code == expect[can_see]


def test_the_orders_of_the_listed_customers_export_as_csv(logged_in, marketing_user):
    latvian = factories.customer(first_name="Līga", country="LV", external_id="SHOP-1")
    factories.order(latvian, total="19.99", external_id="O-1")
    factories.order(factories.customer(country="LT"), external_id="O-2")
    response = logged_in.get(reverse("crm:order-export"), {"country": "LV"})
    rows = _csv(response)
    assert [(r["external_id"], r["customer_external_id"], r["total"]) for r in rows] == [
        ("O-1", "SHOP-1", "19.99")
    ]
    assert DataExport.objects.get().kind == "orders"


def test_support_exports_orders_but_a_role_without_orders_cannot(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(reverse("crm:order-export")).status_code == 403


@pytest.mark.parametrize(
    "query", [{"segment": "abc"}, {"status": "zzz"}, {"since_from": "2024-99-99"}]
)
def test_an_export_with_a_filter_it_cannot_read_exports_nothing(logged_in, query):
    factories.customer()
    for name in ("crm:customer-export", "crm:order-export"):
        response = logged_in.get(reverse(name), query)
        assert response.status_code == 400
        assert "Nothing was exported" in response.content.decode()
    assert not DataExport.objects.exists()


def test_a_segment_with_a_deleted_tag_says_so(logged_in):
    tag = services.tag_create(name="Doomed")
    rule = {
        "match": "all",
        "conditions": [{"type": "tag", "op": "has_any", "value": [str(tag.pk)]}],
    }
    segment = services.segment_create(name="Doomed ones", rule=rule)
    services.tag_delete(tag=tag)
    page = logged_in.get(reverse("crm:segment-detail", args=[segment.pk])).content.decode()
    assert f"{tag.pk} (deleted)" in page
    response = logged_in.post(
        reverse("crm:segment-edit", args=[segment.pk]),
        {"name": "Doomed ones", "rule": json.dumps(rule)},
    )
    assert f"the tag {tag.pk} no longer exists" in response.content.decode()


def test_the_segment_list_reads_each_condition_types_choices_once(
    logged_in, django_assert_num_queries
):
    tag = services.tag_create(name="VIP")
    for n in range(5):
        rule = {"match": "all", "conditions": [
            {"type": "tag", "op": "has_any", "value": [str(tag.pk)]},
            {"type": "owner", "op": "none"}]}  # fmt: skip
        services.segment_create(name=f"S{n}", rule=rule)
    logged_in.get(reverse("crm:segment-list"))  # warm the session and permission caches
    # session, user, user permissions, group permissions, count, page, tag choices
    with django_assert_num_queries(7):
        html = logged_in.get(reverse("crm:segment-list")).content.decode()
    assert html.count("Tags include any of VIP") == 5
