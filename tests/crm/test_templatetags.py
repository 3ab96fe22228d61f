"""The template tags of the look: money, numbers, icons (crm/templatetags/retain.py)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.utils import translation

from crm.templatetags.retain import email_parts, money, number

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "€1,234,567.50"),
        ("lv", f"1{NBSP}234{NBSP}567,50{NBSP}€"),
        ("lt", f"1{NBSP}234{NBSP}567,50{NBSP}€"),
        ("pl", f"1{NBSP}234{NBSP}567,50{NBSP}€"),
        ("ru", f"1{NBSP}234{NBSP}567,50{NBSP}€"),
    ],
)
def test_money_is_the_account_currency_in_the_style_of_the_language(language, expected):
    with translation.override(language):
        assert money(Decimal("1234567.5")) == expected


def test_money_shows_another_currency_when_asked():
    with translation.override("en"):
        assert money(Decimal("12"), "USD") == "$12.00"
    with translation.override("ru"):
        assert money(Decimal("12"), "USD") == f"12,00{NBSP}$"


@override_settings(CURRENCY="SEK")
def test_money_follows_the_currency_setting():
    with translation.override("lv"):
        assert money(Decimal("5")) == f"5,00{NBSP}SEK"


def test_money_rounds_half_up_to_the_minor_unit_with_decimals():
    with translation.override("en"):
        assert money(Decimal("0.125")) == "€0.13"  # half up, not half to even
        assert money(Decimal("2.675")) == "€2.68"  # a float would give 2.67
        assert money(Decimal("-10.005")) == "-€10.01"
        assert money(Decimal("7"), "JPY") == "¥7"  # no minor unit


def test_money_without_an_amount_is_a_dash():
    assert money(None) == "—"
    assert money("not a number") == "—"


def test_money_in_a_template_uses_the_active_language():
    template = Template("{% load retain %}{{ amount|money }} · {{ count|number }}")
    with translation.override("lv"):
        html = template.render(Context({"amount": Decimal("1234.5"), "count": 2000}))
    assert html == f"1{NBSP}234,50{NBSP}€ · 2{NBSP}000"


def test_numbers_are_grouped_per_language():
    with translation.override("en"):
        assert number(2000) == "2,000"
    with translation.override("ru"):
        assert number(2000) == f"2{NBSP}000"
    assert number(None) == "—"


def test_an_email_may_wrap_only_before_its_at_sign():
    html = email_parts("laura.kalnina<576>@example.com")
    assert html == (
        '<span class="email-part">laura.kalnina&lt;576&gt;</span><wbr>'
        '<span class="email-part">@example.com</span>'
    )


def test_an_icon_is_a_use_of_the_vendored_sprite():
    html = Template('{% load retain %}{% icon "users" "icon-sm" %}').render(Context())
    assert html == (
        '<svg class="icon icon-sm" aria-hidden="true" focusable="false">'
        '<use href="/static/vendor/tabler-icons/sprite.svg#users"></use></svg>'
    )


def test_every_icon_the_templates_use_is_in_the_sprite():
    sprite = Path(settings.BASE_DIR, "static/vendor/tabler-icons/sprite.svg").read_text()
    symbols = set(re.findall(r'<symbol id="([^"]+)"', sprite))
    used = set()
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        used |= set(re.findall(r'{% icon "([^"]+)"', template.read_text()))
        used |= set(re.findall(r'empty_icon="([^"]+)"', template.read_text()))
    from crm.templatetags.retain import INTERACTION_ICONS

    used |= set(INTERACTION_ICONS.values())
    assert used, "no icon found in the templates"
    assert used - symbols == set(), "add these to ICONS in scripts/vendor_assets.py and re-run"


def test_query_with_keeps_the_other_parameters():
    request = RequestFactory().get("/customers/", {"q": "bērz", "page": "3", "page_size": "50"})
    html = Template("{% load retain %}{% query_with page=4 page_size=None %}").render(
        Context({"request": request})
    )
    assert html == "?q=b%C4%93rz&amp;page=4"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999999"])
def test_money_shows_a_dash_for_what_is_not_an_amount(value):
    from crm.templatetags.retain import money

    assert money(value) == "—"


def test_money_never_shows_a_negative_zero():
    from django.utils import translation

    from crm.templatetags.retain import money

    with translation.override("en"):
        assert money("-0.004") == "€0.00"
