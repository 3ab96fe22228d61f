"""The history of staff changes: who, when, from which address, what changed."""

import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm import services
from crm.models import Customer, Order
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "id")


def test_an_api_change_by_token_records_who_from_where_and_what(support_user):
    customer = factories.customer(first_name="Anna", last_name="Ozola")
    token = Token.objects.create(user=support_user)
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.patch(
        f"/api/v1/customers/{customer.pk}/", {"last_name": "Kalniņa"}, format="json"
    )
    assert response.status_code == 200
    change = entries_for(customer).last()
    assert change.action == LogEntry.Action.UPDATE
    assert change.actor == support_user
    assert change.remote_addr == "203.0.113.9"
    assert change.changes_dict["last_name"] == ["Ozola", "Kalniņa"]


def test_a_forged_forwarded_for_header_does_not_pick_the_address(support_user, settings):
    settings.PROXY_COUNT = 1
    customer = factories.customer()
    client = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    client.force_authenticate(support_user)
    client.patch(f"/api/v1/customers/{customer.pk}/", {"company": "Amber"}, format="json")
    assert entries_for(customer).last().remote_addr == "198.51.100.4"


def test_order_status_tags_and_notes_are_recorded(admin_user, client):
    customer = factories.customer()
    order = factories.order(customer)
    api_as(admin_user).patch(f"/api/v1/orders/{order.pk}/", {"status": "refunded"}, format="json")
    assert entries_for(order).last().changes_dict["status"] == ["completed", "refunded"]
    tag = services.tag_create(name="VIP")
    services.tag_update(tag=tag, name="V.I.P.")
    assert [e.action for e in entries_for(tag)] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    services.customer_update(customer=customer, data={}, tags=[tag])
    tags_change = entries_for(customer).last().changes_dict["tags"]
    assert tags_change["operation"] == "add" and tags_change["objects"] == ["V.I.P."]
    note = services.interaction_create(customer=customer, author=admin_user, body="Hi")
    assert entries_for(note).get().action == LogEntry.Action.CREATE
    gone = factories.customer()
    gone_pk = gone.pk
    services.customer_delete(customer=gone)
    assert LogEntry.objects.filter(
        object_id=gone_pk, action=LogEntry.Action.DELETE, content_type__model="customer"
    ).exists()


def test_the_profile_shows_who_changed_what(client, support_user):
    customer = factories.customer(first_name="Anna", company="Old Ltd")
    client.force_login(support_user)
    client.post(
        reverse("crm:interaction-add", args=[customer.pk]),
        {"kind": "note", "direction": "internal", "body": "x"},
    )
    api_as(support_user).patch(
        f"/api/v1/customers/{customer.pk}/", {"company": "New Ltd"}, format="json"
    )
    html = client.get(reverse("crm:customer-detail", args=[customer.pk]), {"kind": "history"})
    text = html.content.decode()
    assert 'data-testid="timeline-history"' in text
    assert "Old Ltd → New Ltd" in text and "sam.support" in text


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("support", False), ("marketing", False), ("admin", True), ("none", False)],
)
def test_only_admin_opens_the_searchable_history_page(client, role_users, role, allowed):
    factories.customer(first_name="Findme")
    services.customer_update(customer=Customer.objects.get(), data={"company": "Acme"})
    client.force_login(role_users[role])
    response = client.get(reverse("crm:history"), {"q": "findme", "model": "customer"})
    assert response.status_code == (200 if allowed else 403)
    if allowed:
        html = response.content.decode()
        assert html.count('data-testid="history-row"') == 2  # created, then changed
        assert "Acme" in html


def test_history_rows_cannot_be_changed_in_the_administration(client, admin_user):
    customer = factories.customer()
    entry = entries_for(customer).get()
    client.force_login(admin_user)
    change_url = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    assert client.post(change_url, {"changes": "{}"}).status_code in (403, 302)
    assert (
        client.post(
            reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    assert Order.objects.count() == 0


def test_changes_read_as_people_read_them(admin_user, support_user):
    from django.utils import translation

    from crm.history import change_rows

    customer = factories.customer(first_name="Anna")
    order = factories.order(customer)
    services.customer_update(customer=customer, data={"owner": support_user, "sms_consent": True})
    services.order_status_set(order=order, status="refunded")
    with translation.override("en"):
        rows = dict(
            (label, (old, new)) for label, old, new in change_rows(entries_for(customer).last())
        )
        assert rows["owner"] == ("", "sam.support")
        assert rows["SMS consent"] == ("no", "yes")
        # "24 Nov 2026, 01:17", or "1 Dec 2026, 01:17" on a month's first nine days
        assert re.fullmatch(r"\d{1,2} \S+ \d{4}, \d{2}:\d{2}", rows["SMS consent given"][1])
        assert change_rows(entries_for(order).last()) == [("status", "Completed", "Refunded")]


def test_case_changes_are_recorded_with_who_where_and_what(client, support_user):
    case = factories.case(subject="Parcel never arrived")
    client.force_login(support_user)
    client.post(
        reverse("crm:case-status", args=[case.number]),
        {"status": "resolved"},
        REMOTE_ADDR="198.51.100.7",
    )
    opened, resolved = entries_for(case)
    assert opened.action == LogEntry.Action.CREATE
    assert resolved.actor == support_user
    assert resolved.remote_addr == "198.51.100.7"
    assert resolved.changes_dict["status"] == ["new", "resolved"]
    assert resolved.changes_dict["resolved_at"][0] == "None"
    api_as(support_user).patch(
        f"/api/v1/cases/{case.pk}/", {"assignee": "sam.support"}, format="json"
    )
    assert entries_for(case).last().changes_dict["assignee"] == ["None", "sam.support"]


def test_case_changes_are_on_the_profile_history_and_the_case_page(
    client, support_user, admin_user
):
    customer = factories.customer()
    case = factories.case(customer, subject="Zip broken")
    services.case_update(case=case, data={"priority": "urgent"})
    client.force_login(admin_user)
    profile = client.get(
        reverse("crm:customer-detail", args=[customer.pk]), {"kind": "history"}
    ).content.decode()
    assert "Priority" in profile and "Urgent" in profile
    page = client.get(reverse("crm:case-detail", args=[case.number])).content.decode()
    assert page.count('data-testid="case-change"') == 1
    history = client.get(reverse("crm:history"), {"model": "case"}).content.decode()
    assert "C-1001 Zip broken" in history


def test_team_membership_changes_are_recorded(admin_user, support_user):
    from crm.models import Team

    team = Team.objects.create(name="Front line")
    team.members.add(support_user)
    change = entries_for(team).last()
    assert change.changes_dict["members"]["operation"] == "add"
