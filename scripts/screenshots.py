"""Screenshots of the login page, the customer list, a profile, the loyalty overview and a
member, the case queue and a case, the churn-risk page and the profile of its first
customer to call, at desktop and phone width.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 OUT_DIR [--language lv]
        [--customer ID] [--max-height PIXELS]

Runs against a running demo (`make run`, or `manage.py seed_demo` and `runserver`), logs in
as the demo Support user and writes {desktop,phone}-{login,list,profile,loyalty,
loyalty-member,cases,case,predictive,predictive-profile}.png into OUT_DIR (the case is
the first one waiting for the customer: it has a note and a reply).
The profile is the first customer (most recent orders first) whose first timeline page
has both orders and notes, unless --customer names one. Pages taller than --max-height
(2400) are cut to their top. Drives Debian's Chromium with Playwright; nothing is
downloaded.
"""

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEVICES = {"desktop": (1366, 900), "phone": (390, 844)}
USERNAME, PASSWORD = "support", "support-demo-2026"


def _shot(page, path: Path, max_height: int) -> None:
    """The whole page, or its top `max_height` pixels when it is taller (lighter PNGs)."""
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.viewport_size["width"]
    if height <= max_height:
        page.screenshot(path=path, full_page=True)
    else:
        page.screenshot(
            path=path, full_page=True, clip={"x": 0, "y": 0, "width": width, "height": max_height}
        )
    print(path)


def _profile_url(page, base_url: str) -> str:
    """The first customer with orders and notes on the first page of their timeline."""
    page.goto(f"{base_url}/customers/?ordering=-last_order")
    links = page.locator("a[href*='/customers/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    profiles = [href for href in dict.fromkeys(links) if href.rstrip("/").split("/")[-1].isdigit()]
    for href in profiles[:25]:
        page.goto(base_url + href)
        orders = page.locator("[data-testid=timeline-order]").count()
        notes = page.locator("[data-testid=timeline-interaction]").count()
        if orders and notes:
            return base_url + href
    if not profiles:
        sys.exit("no customer on the list: load the demo data first (manage.py seed_demo)")
    return base_url + profiles[0]


def capture(base_url: str, out: Path, language: str, customer: str | None, max_height: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        profile = f"{base_url}/customers/{customer}/" if customer else None
        for device, (width, height) in DEVICES.items():
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale=language
            )
            page = context.new_page()
            page.goto(f"{base_url}/accounts/login/")
            page.wait_for_load_state("networkidle")
            _shot(page, out / f"{device}-login.png", max_height)

            page.fill("#id_username", USERNAME)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base_url}/customers/")
            page.wait_for_load_state("networkidle")
            _shot(page, out / f"{device}-list.png", max_height)

            profile = profile or _profile_url(page, base_url)
            page.goto(profile)
            page.wait_for_load_state("networkidle")
            _shot(page, out / f"{device}-profile.png", max_height)

            page.goto(f"{base_url}/loyalty/")
            page.wait_for_load_state("networkidle")
            _shot(page, out / f"{device}-loyalty.png", max_height)
            page.goto(f"{base_url}/loyalty/members/?ordering=-balance")
            page.locator("[data-testid=member-row] a").first.click()
            page.wait_for_load_state("networkidle")
            _shot(page, out / f"{device}-loyalty-member.png", max_height)

            page.goto(f"{base_url}/cases/")
            page.wait_for_load_state("networkidle")
            _shot(page, out / f"{device}-cases.png", max_height)
            page.goto(f"{base_url}/cases/?status=pending")
            page.locator("[data-testid=case-row] a").first.click()
            page.wait_for_load_state("networkidle")
            _shot(page, out / f"{device}-case.png", max_height)

            page.goto(f"{base_url}/analytics/predictive/")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(600)  # the charts' entry animation
            _shot(page, out / f"{device}-predictive.png", max_height)
            page.locator("[data-testid=at-risk-row] a").first.click()
            page.wait_for_load_state("networkidle")
            _shot(page, out / f"{device}-predictive-profile.png", max_height)
            context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--language", default="en", help="browser language (en, lv, lt, pl, ru)")
    parser.add_argument("--customer", help="the id of the customer whose profile to capture")
    parser.add_argument(
        "--max-height", type=int, default=2400, help="cut taller pages to this many pixels"
    )
    args = parser.parse_args()
    capture(args.base_url.rstrip("/"), args.out_dir, args.language, args.customer, args.max_height)


if __name__ == "__main__":
    main()
