import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from crm import services
from crm.models import Customer
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_normalises_a_local_phone_number_to_e164_in_the_customers_country():
    customer = factories.customer(phone="2000 0000", country="LV")
    assert str(customer.phone) == "+37120000000"
    lithuanian = factories.customer(phone="8 612 34567", country="LT")
    assert str(lithuanian.phone) == "+37061234567"


def test_it_refuses_an_invalid_phone_and_writes_nothing():
    with pytest.raises(ValidationError) as excinfo:
        factories.customer(phone="12", country="LV")
    assert "phone" in excinfo.value.message_dict
    assert Customer.objects.count() == 0


def test_email_is_unique_regardless_of_case():
    factories.customer(email="Anna@Example.com")
    with pytest.raises(ValidationError) as excinfo:
        factories.customer(email="anna@example.COM")
    assert excinfo.value.message_dict == {"email": ["A customer with this email already exists."]}
    assert Customer.objects.count() == 1


def test_many_customers_may_have_no_email_or_external_id():
    factories.customer(email="", external_id="")
    factories.customer(email="", external_id=None)
    assert Customer.objects.filter(email="", external_id__isnull=True).count() == 2


def test_the_database_refuses_a_duplicate_email_even_past_the_service():
    factories.customer(email="ivan@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(first_name="X", email="IVAN@example.com")


def test_giving_consent_stamps_the_time_and_withdrawing_clears_it():
    customer = factories.customer(email_consent=True)
    assert customer.email_consent and customer.email_consent_at is not None
    assert not customer.sms_consent and customer.sms_consent_at is None
    customer = services.customer_update(customer=customer, data={"email_consent": False})
    customer.refresh_from_db()
    assert customer.email_consent is False and customer.email_consent_at is None


def test_an_import_keeps_the_consent_time_it_gives():
    given = timezone.now() - datetime.timedelta(days=400)
    customer = factories.customer(sms_consent=True, sms_consent_at=given)
    assert customer.sms_consent_at == given


def test_update_changes_only_the_given_fields():
    customer = factories.customer(company="Amber Foods", phone="+37120000001")
    services.customer_update(customer=customer, data={"company": "Nordlight"})
    customer.refresh_from_db()
    assert customer.company == "Nordlight"
    assert str(customer.phone) == "+37120000001"


def test_update_refuses_unknown_fields():
    customer = factories.customer()
    with pytest.raises(ApplicationError) as excinfo:
        services.customer_update(customer=customer, data={"is_vip": True})
    assert excinfo.value.code == "unknown_fields"
    assert "is_vip" in excinfo.value.fields


def test_closing_before_the_customer_was_acquired_is_refused():
    customer = factories.customer(customer_since=datetime.date(2025, 5, 1))
    with pytest.raises(ValidationError):
        services.customer_update(customer=customer, data={"closed_on": datetime.date(2025, 4, 1)})
    customer.refresh_from_db()
    assert customer.closed_on is None


def test_a_customer_with_orders_cannot_be_deleted():
    customer = factories.customer()
    factories.order(customer)
    with pytest.raises(ApplicationError) as excinfo:
        services.customer_delete(customer=customer)
    assert excinfo.value.code == "customer_has_orders"
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_tags_are_unique_regardless_of_case():
    services.tag_create(name="VIP")
    with pytest.raises(ValidationError) as excinfo:
        services.tag_create(name=" vip ")
    assert excinfo.value.message_dict == {"name": ["A tag with this name already exists."]}


def test_customer_since_cannot_move_after_the_first_completed_order():
    customer = factories.customer(customer_since=datetime.date(2024, 1, 1))
    factories.order(customer, placed_at=factories.at_day(datetime.date(2024, 3, 1)))
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(
            customer=customer, data={"customer_since": datetime.date(2024, 6, 1)}
        )
    assert "2024-03-01" in excinfo.value.message_dict["customer_since"][0]
    services.customer_update(customer=customer, data={"customer_since": datetime.date(2024, 3, 1)})
    customer.refresh_from_db()
    assert customer.customer_since == datetime.date(2024, 3, 1)


def test_a_closing_date_before_acquisition_is_a_field_error():
    customer = factories.customer(customer_since=datetime.date(2025, 5, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer=customer, data={"closed_on": datetime.date(2025, 1, 1)})
    assert list(excinfo.value.message_dict) == ["closed_on"]


def test_a_consent_time_alone_corrects_the_stamp_or_is_refused_without_consent():
    given = timezone.now() - datetime.timedelta(days=30)
    with_consent = factories.customer(email_consent=True)
    services.customer_update(customer=with_consent, data={"email_consent_at": given})
    with_consent.refresh_from_db()
    assert with_consent.email_consent_at == given
    without = factories.customer()
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer=without, data={"sms_consent_at": given})
    assert list(excinfo.value.message_dict) == ["sms_consent_at"]
    without.refresh_from_db()
    assert without.sms_consent_at is None
