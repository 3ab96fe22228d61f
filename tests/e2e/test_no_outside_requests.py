"""Every page loads only from this server and logs no error in the browser console."""

import pytest

from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES = [("desktop", 1366, 900), ("phone", 390, 844)]


@pytest.fixture
def customer(support_user):
    from crm import services

    anna = factories.customer(first_name="Anna", last_name="Ozola", country="LV")
    factories.order(anna, total="45.00", days_ago=5)
    services.interaction_create(customer=anna, author=support_user, body="Called about a parcel.")
    return anna


class Visits:
    """Opens pages one after the other and files each console error under the page that
    was open when it was logged (some arrive after the network is idle)."""

    def __init__(self, page, artifacts, device):
        self.page, self.artifacts, self.device = page, artifacts, device
        self.errors: dict[str, list[str]] = {}
        self.url, self.seen = None, 0

    def _file(self):
        # The browser reports a request that a page's Content-Security-Policy stopped
        # (Redoc's attribution logo): proof it never left, not a page error.
        new = [
            text
            for text in self.page.console_errors[self.seen :]
            if "violates the following Content Security Policy" not in text
        ]
        if new:
            self.errors.setdefault(self.url, []).extend(new)
        self.seen = len(self.page.console_errors)

    def open(self, url: str, screenshot: str | None = None) -> None:
        self._file()
        self.url = url
        response = self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        assert response is not None and response.ok, (
            f"{url} answered {response and response.status}"
        )
        if screenshot:
            self.page.screenshot(path=self.artifacts / f"{self.device}-{screenshot}.png")

    def close(self) -> dict[str, list[str]]:
        self.page.wait_for_timeout(500)  # late errors of the last page
        self._file()
        return self.errors


@pytest.mark.parametrize(("device", "width", "height"), DEVICES)
def test_every_page_loads_nothing_from_another_host(
    page_for, live_server, customer, artifacts, device, width, height
):
    page = page_for(width, height)
    base = live_server.url
    visits = Visits(page, artifacts, device)
    visits.open(f"{base}/accounts/password_reset/", "password-reset")
    visits.open(f"{base}/accounts/login/")
    page.fill("#id_username", "sam.support")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/customers/")

    visits.open(f"{base}/customers/")
    visits.open(f"{base}/customers/?status=active&country=LV&ordering=-revenue", "list-filtered")
    visits.open(f"{base}/customers/{customer.pk}/")
    visits.open(f"{base}/api/docs/", "api-docs")
    visits.open(f"{base}/api/redoc/", "api-redoc")
    assert visits.close() == {}
    # page_for fails the test too if any request went to another host.
