import datetime
from io import StringIO

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Min, Q
from django.test import override_settings
from django.utils import timezone

from crm.demo import demo_data_create
from crm.models import Customer, Interaction, Order

pytestmark = pytest.mark.django_db
# The test runner sets DEBUG=False, so commands here pass --allow-production; the last
# test shows the refusal without it.

TODAY = datetime.date(2026, 6, 15)


def fingerprint():
    return (
        list(
            Customer.objects.order_by("external_id").values_list(
                "external_id", "first_name", "last_name", "customer_since", "closed_on", "phone"
            )
        ),
        list(Order.objects.order_by("external_id").values_list("external_id", "total", "status")),
        Interaction.objects.count(),
    )


def test_the_same_seed_gives_the_same_data():
    demo_data_create(customers=60, seed=7, today=TODAY)
    first = fingerprint()
    Order.objects.all().delete()
    Customer.objects.all().delete()
    demo_data_create(customers=60, seed=7, today=TODAY)
    assert fingerprint() == first
    assert len(first[0]) == 60


def test_demo_data_keeps_the_rules_the_services_keep():
    demo_data_create(customers=300, seed=1, today=TODAY)
    first_orders = Customer.objects.annotate(
        first=Min("orders__placed_at", filter=Q(orders__status="completed"))
    )
    for customer in first_orders:
        if customer.first:
            assert customer.customer_since <= timezone.localdate(customer.first)
        if customer.closed_on:
            assert customer.closed_on >= customer.customer_since
        assert phonenumbers.is_valid_number(phonenumbers.parse(str(customer.phone)))
    assert not Order.objects.filter(placed_at__gt=timezone.now()).exists()
    personas = set(Customer.objects.values_list("attributes__persona", flat=True))
    assert personas == {"loyal", "occasional", "lapsed", "closed", "reactivated", "one_off"}
    assert set(Customer.objects.values_list("language", flat=True)) == {
        "en",
        "lv",
        "lt",
        "pl",
        "ru",
    }
    assert Order.objects.filter(status="refunded").exists()


def test_the_command_loads_data_and_prints_working_logins():
    out = StringIO()
    call_command("seed_demo", "--allow-production", "--customers", "40", "--seed", "3", stdout=out)
    assert Customer.objects.count() == 40
    assert "Loaded 40 customers" in out.getvalue()
    assert "support    / support-demo-2026" in out.getvalue()
    user = Customer.objects.model._meta.apps.get_model("auth", "User").objects.get(username="admin")
    assert user.check_password("admin-demo-2026") and user.is_staff
    assert user.groups.filter(name="Admin").exists()


def test_if_empty_leaves_existing_data_alone():
    call_command("seed_demo", "--allow-production", "--customers", "5", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--allow-production", "--if-empty", stdout=out)
    assert Customer.objects.count() == 5
    assert "already loaded (5 customers)" in out.getvalue()


def test_it_refuses_to_load_into_a_database_with_customers():
    call_command("seed_demo", "--allow-production", "--customers", "5", stdout=StringIO())
    with pytest.raises(CommandError, match="already holds 5 customers"):
        call_command("seed_demo", "--allow-production", "--customers", "5", stdout=StringIO())


@pytest.mark.parametrize("count", ["0", "-3", "1000000"])
def test_it_refuses_an_impossible_customer_count(count):
    with pytest.raises(CommandError, match="--customers must be between"):
        call_command("seed_demo", "--allow-production", "--customers", count, stdout=StringIO())
    assert Customer.objects.count() == 0


@override_settings(DEBUG=False)
def test_it_refuses_to_run_in_production():
    with pytest.raises(CommandError, match="refuses to run with DEBUG=false"):
        call_command("seed_demo", stdout=StringIO())
    assert Customer.objects.count() == 0


def test_an_existing_account_with_a_demo_name_is_left_alone():
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.create_user(username="admin", password="the-real-Passw0rd!")
    out = StringIO()
    call_command("seed_demo", "--allow-production", "--customers", "3", stdout=out)
    owner.refresh_from_db()
    assert owner.check_password("the-real-Passw0rd!")
    assert not owner.groups.exists()
    assert "admin: an account with this name already exists" in out.getvalue()
    assert "admin      / admin-demo-2026" not in out.getvalue()


def test_the_demo_has_a_history_of_staff_changes():
    from auditlog.models import LogEntry

    demo_data_create(customers=40, seed=3, today=TODAY)
    changes = LogEntry.objects.filter(action=LogEntry.Action.UPDATE, actor__isnull=False)
    assert changes.count() >= 12
    assert {e.actor.username for e in changes} <= {"support", "admin"}


def test_demo_data_has_cases_in_every_status_and_some_overdue():
    from crm.models import Case
    from crm.selectors import overdue_q

    counts = demo_data_create(customers=80, seed=3, today=TODAY)
    assert counts["cases"] == Case.objects.count() == 32
    assert set(Case.objects.values_list("status", flat=True)) == {
        "new",
        "open",
        "pending",
        "resolved",
        "closed",
    }
    assert Case.objects.filter(overdue_q()).count() >= 4
    answered = Case.objects.exclude(status="new")
    assert not answered.filter(first_response_at=None).exists()
    assert Interaction.objects.filter(case__isnull=False, direction="outbound").count() == 23
