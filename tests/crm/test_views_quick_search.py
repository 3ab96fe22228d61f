"""The top bar's quick search: customers by name, email, phone fragment or external id;
cases by number or subject."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, support_user):
    client.force_login(support_user)
    return client


@pytest.mark.parametrize("text", ["bērz", "BĒRZIŅA", "anna@shop", "2912 34", "C-7781"])
def test_it_finds_a_customer_by_what_staff_type(logged_in, text):
    anna = factories.customer(
        first_name="Anna", last_name="Bērziņa", email="anna@shop.lv",
        phone="+37129123456", external_id="C-7781",
    )  # fmt: skip
    factories.customer(first_name="Jonas", last_name="Petrauskas", email="jonas@example.lt")
    html = logged_in.get(reverse("crm:quick-search"), {"q": text}).content.decode()
    assert html.count('data-testid="quick-result"') == 1
    assert reverse("crm:customer-detail", args=[anna.pk]) in html


def test_it_needs_two_characters_and_shows_at_most_eight(logged_in):
    for n in range(12):
        factories.customer(first_name=f"Ilze{n}", last_name="Ozola")
    assert logged_in.get(reverse("crm:quick-search"), {"q": "o"}).content.strip() == b""
    html = logged_in.get(reverse("crm:quick-search"), {"q": "ozola"}).content.decode()
    assert html.count('data-testid="quick-result"') == 8
    assert "All customers matching" in html and "?q=ozola" in html


def test_nothing_found_says_so(logged_in):
    html = logged_in.get(reverse("crm:quick-search"), {"q": "nobody"}).content.decode()
    assert "Nothing found." in html


def test_a_role_without_customers_finds_nothing(client, no_role_user):
    factories.customer(first_name="Anna")
    client.force_login(no_role_user)
    html = client.get(reverse("crm:quick-search"), {"q": "anna"}).content.decode()
    assert 'data-testid="quick-result"' not in html


def test_the_query_count_does_not_grow_with_the_data(logged_in, django_assert_num_queries):
    factories.customer(first_name="Anna")
    # session, user, user permissions, group permissions, the customers, the cases
    with django_assert_num_queries(6):
        logged_in.get(reverse("crm:quick-search"), {"q": "anna"})
    for n in range(30):
        factories.case(factories.customer(first_name=f"Anna{n}"), subject=f"Anna's parcel {n}")
    with django_assert_num_queries(6):
        logged_in.get(reverse("crm:quick-search"), {"q": "anna"})


def test_the_top_bar_offers_it_to_roles_that_see_customers(logged_in, client, no_role_user):
    assert (
        'data-testid="quick-search"' in logged_in.get(reverse("crm:customer-list")).content.decode()
    )
    client.force_login(no_role_user)
    assert 'data-testid="quick-search"' not in client.get("/api/docs/").content.decode()


@pytest.mark.parametrize("text", ["C-1002", "c1002", "1002"])
def test_it_finds_a_case_by_its_number(logged_in, text):
    factories.case(subject="Wrong size")
    wanted = factories.case(subject="Parcel never arrived")
    html = logged_in.get(reverse("crm:quick-search"), {"q": text}).content.decode()
    assert wanted.reference == "C-1002"
    assert html.count('data-testid="quick-result"') == 1
    assert reverse("crm:case-detail", args=[1002]) in html
    assert "C-1002 Parcel never arrived" in html


def test_many_customers_leave_room_for_the_cases_found(logged_in):
    for n in range(10):
        factories.customer(first_name=f"Refund{n}")
    factories.case(subject="Refund not received")
    html = logged_in.get(reverse("crm:quick-search"), {"q": "refund"}).content.decode()
    assert html.count('data-testid="quick-result"') == 8
    assert "Refund not received" in html


def test_marketing_finds_cases_but_a_role_without_them_does_not(client, marketing_user):
    factories.case(subject="Broken zip")
    client.force_login(marketing_user)
    assert "Broken zip" in client.get(reverse("crm:quick-search"), {"q": "zip"}).content.decode()
