"""The list's live search survives a language change and Back/Forward, in Chromium."""

import pytest

from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_language_change_and_history_keep_the_search(page_for, live_server, support_user):
    factories.customer(first_name="Jonas", last_name="Petrauskas", country="LT")
    factories.customer(first_name="Anna", last_name="Ozola", country="LV")
    page = page_for()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sam.support")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")

    page.fill("[data-testid=search]", "petr")
    page.wait_for_function("document.querySelectorAll('[data-testid=customer-name]').length === 1")
    assert "q=petr" in page.url

    page.click("[data-testid=user-menu]")
    page.select_option("#lang-select", "lv")
    page.wait_for_function("document.documentElement.lang === 'lv'")
    assert "q=petr" in page.url  # the search survived the language change
    assert page.locator("[data-testid=customer-name]").count() == 1
    assert page.input_value("[data-testid=search]") == "petr"

    page.fill("[data-testid=search]", "ozol")
    page.wait_for_function("document.querySelectorAll('[data-testid=customer-name]').length === 1")
    page.go_back()
    page.wait_for_function("location.search.includes('q=petr')")
    page.wait_for_function("document.querySelector('[data-testid=search]').value === 'petr'")
