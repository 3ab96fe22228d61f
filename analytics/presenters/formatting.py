"""Values as readers see them: numbers by unit in the active language ("91.2%", "€1,234.50",
"13.2 h", "n/a" when undefined), period labels, how analytics.js writes each unit, and the
cells of the CSV export."""

import datetime
import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from analytics.models import Snapshot
from analytics.selectors import is_finished
from crm.templatetags.retain import money

HOUR = 3600
TRAILING_DAYS = {"trailing30": 30, "trailing90": 90}
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# injection"), as crm's exports guard against; numbers are left alone.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- Numbers -----------------------------------------------------------------------------


def _locale() -> Locale:
    try:
        return Locale.parse(to_locale(get_language() or settings.LANGUAGE_CODE))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(to_locale(settings.LANGUAGE_CODE))


def as_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def decimal_text(value, places: int) -> str:
    """`value` with exactly `places` decimals and the language's separators."""
    amount = as_decimal(value)
    if amount is None:
        return _("n/a")
    amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if amount == 0:
        amount = abs(amount)  # never "-0.0"
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(amount, format=pattern, locale=_locale(), decimal_quantization=True)


def duration_text(seconds) -> str:
    """Minutes under an hour, hours under two days, days beyond: "45 min", "13.2 h"."""
    amount = as_decimal(seconds)
    if amount is None:
        return _("n/a")
    if amount < HOUR:
        return _("%(n)s min") % {"n": decimal_text(amount / 60, 0)}
    if amount < 48 * HOUR:
        return _("%(n)s h") % {"n": decimal_text(amount / HOUR, 1)}
    return _("%(n)s d") % {"n": decimal_text(amount / (24 * HOUR), 1)}


def value_text(value, unit: str) -> str:
    """A stored value as a reader sees it: "91.2%", "€1,234.50", "1,100", "13.2 h"; "n/a"
    when undefined (docs/metrics.md: never 0)."""
    if as_decimal(value) is None:
        return _("n/a")
    if unit == "percent":
        return _("%(n)s%%") % {"n": decimal_text(value, 1)}
    if unit == "money":
        return money(value)
    if unit == "seconds":
        return duration_text(value)
    if unit == "hours":
        return _("%(n)s h") % {"n": decimal_text(value, 1)}
    if unit == "ratio":
        return decimal_text(value, 2)
    if unit == "score":
        return decimal_text(value, 1)
    return decimal_text(value, 0)  # count, points


def change_text(change, unit: str) -> str:
    """A difference with its sign: "+1.7 pp", "−€12.00", "+4"."""
    amount = as_decimal(change)
    if amount is None:
        return ""
    sign = "+" if amount > 0 else "−" if amount < 0 else "±"
    size = abs(amount)
    if unit == "percent":
        return _("%(sign)s%(n)s pp") % {"sign": sign, "n": decimal_text(size, 1)}
    return sign + value_text(size, unit)


def chart_format(unit: str) -> dict:
    """How analytics.js writes a value of `unit` on axes and in tooltips."""
    found = {"decimals": 0, "none": _("n/a")}
    if unit == "money":
        found.update(decimals=2, currency=settings.CURRENCY)
    elif unit == "percent":
        found.update(decimals=1, suffix="%")
    elif unit in ("seconds", "hours"):
        found.update(decimals=1, suffix="\u00a0" + _("h"))
    elif unit == "ratio":
        found.update(decimals=2)
    elif unit == "score":
        found.update(decimals=1)
    return found


def plot_value(value, unit: str) -> float | None:
    """A value as the chart plots it (seconds are drawn in hours)."""
    amount = as_decimal(value)
    if amount is None:
        return None
    if unit == "seconds":
        amount = amount / HOUR
    return round(float(amount), 4)


def hours(seconds) -> Decimal | None:
    amount = as_decimal(seconds)
    return None if amount is None else amount / HOUR


# --- Periods -----------------------------------------------------------------------------


def period_label(period_type: str, start: datetime.date, end: datetime.date, *, short=False):
    """ "Nov 2026", "Q4 2026", "Week of 23 Nov 2026", "30 days to 30 Nov 2026"."""
    if period_type == "month":
        return date_format(start, "M Y" if short else "YEAR_MONTH_FORMAT")
    if period_type == "quarter":
        return _("Q%(quarter)s %(year)s") % {
            "quarter": (start.month - 1) // 3 + 1,
            "year": start.year,
        }
    if period_type == "year":
        return str(start.year)
    if period_type == "week":
        day = date_format(start, "DATE_FORMAT")
        return day if short else _("Week of %(day)s") % {"day": day}
    if period_type in TRAILING_DAYS:
        day = date_format(end, "DATE_FORMAT")
        if short:
            return day
        return _("%(days)s days to %(day)s") % {"days": TRAILING_DAYS[period_type], "day": day}
    return date_format(start, "DATE_FORMAT")


def row_label(row: Snapshot, *, short=False) -> str:
    label = period_label(row.period_type, row.period_start, row.period_end, short=short)
    if not short and not is_finished(row):
        return _("%(period)s, to date") % {"period": label}
    return label


def csv_cell(value) -> str:
    """A CSV cell: numbers as they are, text that a spreadsheet would run defused with a
    leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if text.startswith(FORMULA_STARTS) and as_decimal(text) is None:
        return "'" + text
    return text
