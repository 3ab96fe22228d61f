"""Template tags for Retain's look: icons, money, numbers, tag colours, query strings.

    {% load retain %}
    {% icon "users" %}                      an icon from the vendored Tabler sprite
    {{ order.total|money:order.currency }}  a Decimal in the active language's style
    {{ customer.revenue|money }}            ... in the account currency (settings.CURRENCY)
    {{ count|number }}                      an integer with the language's grouping
    {{ tag.color|tag_class }}               the badge classes of a tag colour
    {% icon item.kind|interaction_icon %}   the icon of an interaction's kind
    {{ customer.email|email_parts }}        an address that wraps before its "@" only
    <a href="{% query_with page=2 %}">      this page's query string with values replaced
    {% filters_in_use form "q" as n %}      how many filters of a form have a value

crm is the base app: loyalty, surveys and analytics load these tags too.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, get_currency_precision
from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import get_language, to_locale

register = template.Library()

ICON_SPRITE = "vendor/tabler-icons/sprite.svg"

# Tag colours are stored as Bootstrap's theme names (crm.models.Tag.Color). "primary" is
# labelled Blue; the brand's primary is teal, so each colour maps to its own hue.
TAG_CLASSES = {
    "secondary": "bg-secondary-lt",
    "primary": "bg-blue-lt",
    "success": "bg-green-lt",
    "warning": "bg-yellow-lt",
    "danger": "bg-red-lt",
    "info": "bg-cyan-lt",
}

INTERACTION_ICONS = {
    "note": "note",
    "call": "phone-call",
    "email": "mail",
    "chat": "message-circle",
    "meeting": "users-group",
}


@register.simple_tag
def icon(name: str, css_class: str = "", label: str = "") -> str:
    """An inline SVG that uses one symbol of the sprite (scripts/vendor_assets.py lists them).

    Decorative unless `label` is given, which makes it an image with that name.
    """
    classes = f"icon {css_class}".strip()
    href = f"{static(ICON_SPRITE)}#{name}"
    if label:
        return format_html(
            '<svg class="{}" role="img" aria-label="{}"><use href="{}"></use></svg>',
            classes,
            label,
            href,
        )
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>',
        classes,
        href,
    )


def _locale() -> Locale:
    try:
        return Locale.parse(to_locale(get_language() or settings.LANGUAGE_CODE))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(to_locale(settings.LANGUAGE_CODE))


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def money(value, currency: str = "") -> str:
    """`value` (a Decimal) in `currency` (default: the account currency) in the active
    language's style: "€1,234.50" in English, "1 234,50 €" in Latvian and Russian.

    Rounds half up to the currency's minor unit with Decimal arithmetic (never float);
    None or text that is not a number shows as "—".
    """
    amount = _decimal(value)
    if amount is None or not amount.is_finite():
        return "—"
    currency = currency or settings.CURRENCY
    exponent = Decimal(1).scaleb(-get_currency_precision(currency))
    try:
        amount = amount.quantize(exponent, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than any amount has
        return "—"
    if amount == 0:
        amount = abs(amount)  # never "-€0.00"
    return format_currency(amount, currency, locale=_locale())


@register.filter
def number(value) -> str:
    """An integer or Decimal with the active language's grouping ("2,000", "2 000")."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    return format_decimal(amount, locale=_locale())


@register.filter
def tag_class(color: str) -> str:
    return TAG_CLASSES.get(color, TAG_CLASSES["secondary"])


@register.filter
def email_parts(address: str) -> str:
    """An email address that may wrap before its "@" and nowhere else (retain.css's
    .email-part cuts a part longer than the line with an ellipsis)."""
    local, at, domain = (address or "").rpartition("@")
    if not at:
        return format_html('<span class="email-part">{}</span>', address or "")
    return format_html(
        '<span class="email-part">{}</span><wbr><span class="email-part">@{}</span>', local, domain
    )


@register.filter
def interaction_icon(kind: str) -> str:
    return INTERACTION_ICONS.get(kind, "note")


@register.simple_tag
def activity_window_days() -> int | None:
    """docs/metrics.md's activity window W in days; None under the contractual model."""
    return settings.ACTIVITY_WINDOW_DAYS


@register.simple_tag
def filters_in_use(form, *ignored: str) -> int:
    """How many fields of a bound filter form have a value, leaving out `ignored` names."""
    return sum(
        1 for field in form if field.name not in ignored and field.value() not in (None, "", [], ())
    )


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """ "?" and the current request's query string with `changes` applied; a value of None
    drops the parameter. Keeps every other parameter (search, filters, sort, page size)."""
    query = context["request"].GET.copy()
    for name in context.get("invalid_params", ()):
        query.pop(name, None)  # a refused filter does not follow the user to every page
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None and value != "":
            query[name] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def choices_list(bound_field) -> list:
    """A form field's choices as a list, read in one query (a model choice iterator runs
    another for its length when the for tag or list() asks for it)."""
    return [choice for choice in bound_field.field.choices]  # noqa: C416
