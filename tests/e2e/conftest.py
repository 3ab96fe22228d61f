import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    require(
        Path(CHROMIUM).exists() or bool(shutil.which("chromium")),
        "Debian's chromium is not installed (apt-get install chromium)",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright package is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM
    # calls (fixtures) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def artifacts() -> Path:
    path = Path(settings.TEST_ARTIFACTS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def page_for(browser, live_server):
    """A new page with the given viewport; fails the test on any request off this server.

    Requests to another host are aborted (nothing leaves the machine, even in a test)
    and recorded. A request the page's Content-Security-Policy stopped inside the
    browser never reached the network, so it does not count.
    """
    pages = []

    def local(url: str) -> bool:
        return url.startswith((live_server.url, "data:", "blob:"))

    def make(width=1366, height=900):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.outside_requests = []
        page.console_errors = []

        def route(route):
            if local(route.request.url):
                route.continue_()
            else:
                page.outside_requests.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page.on(
            "request",
            lambda r: None if local(r.url) else page.outside_requests.append(r.url),
        )
        page.on(
            "requestfailed",
            lambda r: (
                page.outside_requests.remove(r.url)
                if r.failure == "csp" and r.url in page.outside_requests
                else None
            ),
        )
        page.on(
            "console",
            lambda m: page.console_errors.append(m.text) if m.type == "error" else None,
        )
        pages.append((context, page))
        return page

    yield make
    for context, page in pages:
        outside = sorted(set(page.outside_requests))
        context.close()
        assert outside == [], f"pages loaded from outside: {outside}"
