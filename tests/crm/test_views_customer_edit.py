"""Creating, editing and deleting customers in pages: inline errors, nothing half-written."""

import datetime

import pytest
from django.urls import reverse

from crm import services
from crm.models import Customer
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, support_user):
    client.force_login(support_user)
    return client


def form_data(**changes):
    data = {
        "first_name": "Līga",
        "last_name": "Ozola",
        "company": "",
        "email": "liga@example.lv",
        "phone": "29 123 456",
        "country": "LV",
        "language": "lv",
        "customer_since": "",
        "closed_on": "",
        "owner": "",
        "external_id": "",
        "attributes": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_support_creates_a_customer_with_tags_owner_and_consent(logged_in, support_user):
    vip = services.tag_create(name="VIP")
    response = logged_in.post(
        reverse("crm:customer-create"),
        form_data(tags=[vip.pk], owner="sam.support", email_consent="on", attributes='{"a": 1}'),
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:customer-detail", args=[customer.pk])
    assert str(customer.phone) == "+37129123456"
    assert list(customer.tags.all()) == [vip]
    assert customer.owner == support_user
    assert customer.email_consent and customer.email_consent_at is not None
    assert customer.attributes == {"a": 1}
    assert customer.customer_since == datetime.date.today() or customer.customer_since


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12"}, "phone", "Enter a valid phone number"),
        ({"customer_since": "2099-01-01"}, "customer_since", "cannot be in the future"),
        ({"first_name": "", "last_name": "", "email": ""}, None, "Give at least a name"),
        ({"attributes": "[1, 2]"}, "attributes", "Attributes must be an object"),
        ({"attributes": "{nope"}, "attributes", "Enter a valid JSON"),
        ({"attributes": "[" * 100_000 + "]" * 100_000}, "attributes", "nested too deeply"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address"),
    ],
)
def test_bad_input_shows_inline_errors_and_saves_nothing(logged_in, changes, field, message):
    response = logged_in.post(reverse("crm:customer-create"), form_data(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'data-testid="form-errors"' in html
    if field:
        assert f'id="id_{field}"' in html and "is-invalid" in html
    assert Customer.objects.count() == 0


def test_a_duplicate_email_is_an_error_at_the_email_field(logged_in):
    factories.customer(email="liga@example.lv")
    response = logged_in.post(reverse("crm:customer-create"), form_data(email="LIGA@example.lv"))
    assert response.status_code == 400
    assert "A customer with this email already exists." in response.content.decode()
    assert Customer.objects.count() == 1


def test_editing_writes_only_what_changed_and_keeps_the_rest(logged_in):
    vip = services.tag_create(name="VIP")
    customer = factories.customer(
        first_name="Anna", email="anna@example.com", phone="+37129123456", tags=[vip]
    )
    page = logged_in.get(reverse("crm:customer-edit", args=[customer.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["tags"] = [getattr(t, "pk", t) for t in data["tags"] or []]
    data["customer_since"] = customer.customer_since.isoformat()
    data["attributes"] = "{}"
    data["last_name"] = "Kalniņa"
    data.pop("email_consent")
    data.pop("sms_consent")
    response = logged_in.post(reverse("crm:customer-edit", args=[customer.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    customer.refresh_from_db()
    assert customer.last_name == "Kalniņa"
    assert customer.first_name == "Anna" and str(customer.phone) == "+37129123456"
    assert list(customer.tags.all()) == [vip]


def test_an_edit_that_breaks_a_rule_is_refused_and_changes_nothing(logged_in):
    customer = factories.customer(first_name="Anna", customer_since=datetime.date(2025, 5, 1))
    factories.order(customer, placed_at=factories.at_day(datetime.date(2025, 5, 1)))
    response = logged_in.post(
        reverse("crm:customer-edit", args=[customer.pk]),
        form_data(first_name="Changed", email="", customer_since="2025-06-01"),
    )
    assert response.status_code == 400
    assert "the customer cannot be acquired later" in response.content.decode()
    customer.refresh_from_db()
    assert customer.first_name == "Anna"


def test_marketing_may_not_create_or_edit_and_support_may_not_delete(
    client, marketing_user, support_user
):
    customer = factories.customer()
    client.force_login(marketing_user)
    assert client.get(reverse("crm:customer-create")).status_code == 403
    assert client.get(reverse("crm:customer-edit", args=[customer.pk])).status_code == 403
    client.force_login(support_user)
    assert client.get(reverse("crm:customer-delete", args=[customer.pk])).status_code == 403
    assert (
        client.post(
            reverse("crm:customer-delete", args=[customer.pk]), {"confirm": "on"}
        ).status_code
        == 403
    )
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_admin_deletes_after_confirming_and_is_refused_for_a_customer_with_orders(
    client, admin_user
):
    client.force_login(admin_user)
    plain = factories.customer()
    unconfirmed = client.post(reverse("crm:customer-delete", args=[plain.pk]), {})
    assert unconfirmed.status_code == 400 and Customer.objects.filter(pk=plain.pk).exists()
    done = client.post(reverse("crm:customer-delete", args=[plain.pk]), {"confirm": "on"})
    assert done.status_code == 302 and not Customer.objects.filter(pk=plain.pk).exists()

    buyer = factories.customer()
    factories.order(buyer)
    page = client.get(reverse("crm:customer-delete", args=[buyer.pk])).content.decode()
    assert "cannot be deleted; set a closing date instead" in page
    refused = client.post(reverse("crm:customer-delete", args=[buyer.pk]), {"confirm": "on"})
    assert refused.status_code == 409 and Customer.objects.filter(pk=buyer.pk).exists()
