"""The top bar's quick search with the keyboard only, in Chromium."""

import pytest

from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_type_arrow_down_enter_opens_the_customer(page_for, live_server, support_user, artifacts):
    factories.customer(first_name="Rūta", last_name="Kazlauskienė", external_id="SHOP-42")
    factories.customer(first_name="Rūta", last_name="Petrauskaitė")
    page = page_for()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sam.support")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")

    page.focus("#quick-q")
    # Wait for the answer to the whole word: an answer to "rū" arriving after the arrow
    # keys would redraw the list under them.
    with page.expect_response(lambda r: "/customers/quick/" in r.url and "q=r%C5%ABta" in r.url):
        page.keyboard.type("rūta")
    page.wait_for_function("document.querySelectorAll('[data-testid=quick-result]').length === 2")
    page.screenshot(path=artifacts / "desktop-quick-search.png")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert "Petrauskaitė" in page.evaluate("document.activeElement.innerText")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=profile-name]")
    assert page.inner_text("[data-testid=profile-name]") == "Rūta Kazlauskienė"

    page.focus("#quick-q")
    page.keyboard.type("shop-42")
    page.wait_for_function("document.querySelectorAll('[data-testid=quick-result]').length === 1")
    page.keyboard.press("Escape")
    assert page.locator("[data-testid=quick-result]").count() == 0
