"""Segment conditions: a registry of small classes, each compiling to a database filter.

A segment's rule is JSON, one level of groups deep:

    {"match": "all", "conditions": [
        {"type": "status", "op": "in", "value": ["lapsed"]},
        {"type": "tag", "op": "has_any", "value": ["VIP"]},
        {"match": "any", "conditions": [
            {"type": "order_count", "op": "gte", "value": 3, "window_days": 365},
            {"type": "revenue", "op": "gte", "value": "500.00"}]}]}

Each condition type is one subclass of Condition, registered with condition_register()
(crm's own are at the end of this module; loyalty, surveys and analytics register theirs
from their AppConfig.ready()). `q()` returns a Q over Customer, so a whole segment is one
query whatever the number of customers. The registry never imports a contributor.
"""

import datetime
from abc import ABC, abstractmethod
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Avg, Count, Exists, F, Min, OuterRef, Q, Sum
from django.utils import formats, timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from crm.models import Customer, Order, Tag

MAX_CONDITIONS = 20  # in the whole rule, groups included
MAX_CHOICES = 100  # values of one condition
MAX_DAYS = 36500  # a window or an age of at most a hundred years
MAX_NUMBER = 10**9
MAX_MONEY = Decimal("1000000000")

# Value kinds the builder draws: a multiple choice, a single choice, a whole number, an
# amount, a number of days, a [from, to] pair of days, a date, or nothing.
MULTI, SINGLE, NUMBER, MONEY, DAYS, DAYS_RANGE, DATE, NONE = (
    "multi",
    "single",
    "number",
    "money",
    "days",
    "days_range",
    "date",
    "none",
)


class Condition(ABC):
    """One kind of condition. Subclasses set the class attributes and write `q()`.

    `operators` maps each operator to (label, value kind). `window` says whether the
    condition takes an optional `window_days` (orders in the last N days; none: all
    time). `choices()` lists (value, label) for the choice kinds.
    """

    key: str = ""
    label: Any = ""
    unknown_message: Any = gettext_lazy("unknown value %(v)s.")
    operators: dict[str, tuple[Any, str]] = {}
    window: bool = False
    order: int = 100

    def choices(self) -> list[tuple[str, str]]:
        return []

    @abstractmethod
    def q(self, op: str, value: Any, window_days: int | None, today: datetime.date) -> Q:
        """The Q over Customer that selects the customers meeting this condition."""

    def describe(
        self, op: str, value: Any, window_days: int | None, names: dict | None = None
    ) -> str:
        """The condition in words; `names` ({value: label}) spares a query per call."""
        label = str(self.operators[op][0])
        kind = self.operators[op][1]
        if kind == NONE:
            text = f"{self.label}: {label}"
        else:
            text = f"{self.label} {label} {self._value_text(kind, value, names)}"
        if self.window and window_days:
            text += " " + _("in the last %(n)s days") % {"n": window_days}
        return text

    def _value_text(self, kind: str, value: Any, names: dict | None = None) -> str:
        if kind in (MULTI, SINGLE):
            names = names if names is not None else dict(self.choices())
            values = value if isinstance(value, list) else [value]
            gone = _("(deleted)")
            return ", ".join(str(names.get(v, f"{v} {gone}")) for v in values)
        if kind == DATE:
            return formats.date_format(parse_date(value), "DATE_FORMAT")
        if kind == DAYS_RANGE:
            return _("%(a)s to %(b)s days ago") % {"a": value[0], "b": value[1]}
        if kind == DAYS:
            return _("%(n)s days") % {"n": value}
        if kind == MONEY:
            return f"{value} {settings.CURRENCY}"
        return str(value)

    def spec(self) -> dict:
        """What the page's rule builder needs to draw this condition."""
        return {
            "key": self.key,
            "label": str(self.label),
            "operators": [
                {"op": op, "label": str(label), "value": kind}
                for op, (label, kind) in self.operators.items()
            ],
            "window": self.window,
            "choices": [[str(v), str(label)] for v, label in self.choices()],
        }

    def clean_value(self, op: str, value: Any) -> Any:
        """The value for `op` in its stored form; ValueError with a message if it is wrong."""
        kind = self.operators[op][1]
        if kind == NONE:
            return None
        if kind in (MULTI, SINGLE):
            allowed = {str(v) for v, _label in self.choices()}
            values = value if isinstance(value, list) else [value]
            if kind == SINGLE and (isinstance(value, list) or value in (None, "")):
                raise ValueError(_("choose one value."))
            if not values or not all(isinstance(v, str | int) for v in values):
                raise ValueError(_("choose at least one value."))
            if len(values) > MAX_CHOICES:
                raise ValueError(_("choose at most %(n)s values.") % {"n": MAX_CHOICES})
            unknown = [str(v)[:50] for v in values if str(v) not in allowed]
            if unknown:
                raise ValueError(self.unknown_message % {"v": ", ".join(unknown[:5])})
            cleaned = list(dict.fromkeys(str(v) for v in values))
            return cleaned[0] if kind == SINGLE else cleaned
        if kind in (NUMBER, DAYS):
            top = MAX_DAYS if kind == DAYS else MAX_NUMBER
            return _whole(value, 0, top)
        if kind == DAYS_RANGE:
            if not isinstance(value, list) or len(value) != 2:
                raise ValueError(_("give two numbers of days, from and to."))
            low, high = (_whole(v, 0, MAX_DAYS) for v in value)
            if low > high:
                raise ValueError(_("the first number of days must not be larger."))
            return [low, high]
        if kind == MONEY:
            try:
                amount = Decimal(str(value).replace(",", "."))
            except (InvalidOperation, ValueError):
                raise ValueError(_("enter an amount such as 49.90.")) from None
            if not amount.is_finite() or not 0 <= amount <= MAX_MONEY:
                raise ValueError(_("enter an amount from 0 to 1,000,000,000."))
            if amount != amount.quantize(Decimal("0.01")):
                raise ValueError(_("use at most two decimal places."))
            return str(abs(amount).quantize(Decimal("0.01")))  # never "-0.00"
        if kind == DATE:
            try:
                day = parse_date(value) if isinstance(value, str) else None
            except ValueError:  # 2024-02-31
                day = None
            if day is None or not 1900 <= day.year <= 2199:
                raise ValueError(_("enter a date as YYYY-MM-DD."))
            return day.isoformat()
        raise ImproperlyConfigured(f"{self.key}: unknown value kind {kind!r}")


def _whole(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(_("enter a whole number."))
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ValueError(_("enter a whole number."))
    number = int(text)
    if not low <= number <= high:
        raise ValueError(_("enter a number from %(low)s to %(high)s.") % {"low": low, "high": high})
    return number


_conditions: dict[str, Condition] = {}


def condition_register(condition: Condition) -> None:
    """Add a condition type; a second one with the same key is a programming error."""
    if not condition.key or not condition.operators:
        raise ImproperlyConfigured(f"{type(condition).__name__} needs a key and operators.")
    known = _conditions.get(condition.key)
    if known is not None and type(known) is not type(condition):
        raise ImproperlyConfigured(f"A segment condition {condition.key!r} is registered already.")
    _conditions[condition.key] = condition


def conditions() -> list[Condition]:
    """Every registered condition type, in the builder's order."""
    return sorted(_conditions.values(), key=lambda c: (c.order, c.key))


# --- The rule: validation, compilation, words ------------------------------------------


def rule_clean(rule: Any) -> dict:
    """The rule in its stored form; ValidationError({"rule": [...]}) naming each wrong
    condition ("Condition 2.1 (Orders): enter a whole number.")."""
    errors: list[str] = []
    count = 0

    def refuse(where: str, label: Any, message: str) -> None:
        if label:
            errors.append(
                _("Condition %(n)s (%(label)s): %(message)s")
                % {"n": where, "label": label, "message": message}
            )
        else:
            errors.append(_("Condition %(n)s: %(message)s") % {"n": where, "message": message})

    def clean_group(group: Any, where: str, depth: int) -> dict | None:
        nonlocal count
        if not isinstance(group, dict) or set(group) - {"match", "conditions"}:
            refuse(where or "1", "", _("a group has only match and conditions."))
            return None
        match = group.get("match", "all")
        if match not in ("all", "any"):
            refuse(where or "1", "", _('match is "all" or "any".'))
        items = group.get("conditions")
        if not isinstance(items, list) or not items:
            refuse(where or "1", "", _("a group needs at least one condition."))
            return None
        cleaned = []
        for index, item in enumerate(items, start=1):
            position = f"{where}.{index}" if where else str(index)
            count += 1
            if count > MAX_CONDITIONS:
                message = _("A rule has at most %(n)s conditions.") % {"n": MAX_CONDITIONS}
                if message not in errors:
                    errors.append(message)
                return None
            if isinstance(item, dict) and "conditions" in item:
                if depth >= 1:
                    refuse(position, "", _("groups nest only one level deep."))
                    continue
                sub = clean_group(item, position, depth + 1)
                if sub is not None:
                    cleaned.append(sub)
            else:
                one = clean_condition(item, position)
                if one is not None:
                    cleaned.append(one)
        return {"match": match, "conditions": cleaned}

    def clean_condition(item: Any, where: str) -> dict | None:
        if not isinstance(item, dict):
            refuse(where, "", _("a condition is an object with type, op and value."))
            return None
        condition = _conditions.get(item.get("type")) if isinstance(item.get("type"), str) else None
        if condition is None:
            refuse(where, "", _("unknown type %(type)s.") % {"type": str(item.get("type"))[:50]})
            return None
        extra = set(item) - {"type", "op", "value", "window_days"}
        if extra:
            refuse(where, condition.label, _("unknown key %(k)s.") % {"k": sorted(extra)[0][:50]})
            return None
        op = item.get("op")
        if not isinstance(op, str) or op not in condition.operators:
            names = ", ".join(condition.operators)
            refuse(where, condition.label, _("the operator is one of %(ops)s.") % {"ops": names})
            return None
        try:
            value = condition.clean_value(op, item.get("value"))
            window = item.get("window_days")
            if window is not None:
                if not condition.window:
                    raise ValueError(_("this condition takes no window."))
                window = _whole(window, 1, MAX_DAYS)
        except ValueError as exc:
            refuse(where, condition.label, str(exc))
            return None
        cleaned = {"type": condition.key, "op": op, "value": value}
        if condition.window:
            cleaned["window_days"] = window
        return cleaned

    cleaned = clean_group(rule, "", 0)
    if errors:
        raise ValidationError({"rule": errors})
    return cleaned


def rule_q(rule: dict, *, today: datetime.date | None = None) -> Q:
    """The Q over Customer that selects a cleaned rule's members."""
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())

    def group_q(group: dict) -> Q:
        parts = []
        for item in group["conditions"]:
            if "conditions" in item:
                parts.append(group_q(item))
            else:
                condition = _conditions[item["type"]]
                parts.append(condition.q(item["op"], item["value"], item.get("window_days"), today))
        combined = Q()
        for part in parts:
            combined = combined & part if group["match"] == "all" else combined | part
        return combined

    return group_q(rule)


def rule_describe(rule: dict, *, names: dict | None = None) -> dict:
    """The rule in words: {"match": "all"|"any", "lines": [text or nested dict]}.

    `names` caches each condition type's value labels: pass the same dict when
    describing many rules, so a page of segments reads each list of choices once.
    """
    names = {} if names is None else names

    def _names(condition: Condition, op: str) -> dict | None:
        if condition.operators.get(op, ("", NONE))[1] not in (MULTI, SINGLE):
            return None  # no value to name: no query
        if condition.key not in names:
            names[condition.key] = dict(condition.choices())
        return names[condition.key]

    def group_words(group: dict) -> dict:
        lines = []
        for item in group["conditions"]:
            if "conditions" in item:
                lines.append(group_words(item))
            else:
                condition = _conditions.get(item["type"])
                lines.append(
                    condition.describe(
                        item["op"],
                        item["value"],
                        item.get("window_days"),
                        _names(condition, item["op"]),
                    )  # fmt: skip
                    if condition
                    else _("(a condition whose app is not installed)")
                )
        return {"match": group["match"], "lines": lines}

    return group_words(rule)


# --- crm's conditions -------------------------------------------------------------------


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def _days_ago(today: datetime.date, days: int) -> datetime.datetime:
    """The start of the business day `days` before today (negative: after it)."""
    return _day_start(today - datetime.timedelta(days=days))


def _completed(window_days: int | None, today: datetime.date):
    orders = Order.objects.filter(status=Order.Status.COMPLETED)
    if window_days:
        orders = orders.filter(placed_at__gte=_days_ago(today, window_days - 1))
    return orders


def _stored(window_days: int | None, today: datetime.date) -> bool:
    """Whether the figures stored with each customer answer this: all time, as of today."""
    return not window_days and today == timezone.localdate(timezone=timezone.get_default_timezone())


_COMPARE = {"gte": "gte", "lte": "lte", "eq": "exact"}


def _per_customer(orders, aggregate, op: str, value) -> Q:
    """Customers whose orders' aggregate compares to `value`; customers with no order
    have a count and a revenue of 0 (and no average)."""
    grouped = orders.values("customer").annotate(figure=aggregate)
    if op == "gte":
        return Q(pk__in=grouped.filter(figure__gte=value).values("customer"))
    if op == "lte":
        return ~Q(pk__in=grouped.filter(figure__gt=value).values("customer"))
    if op == "eq":
        return Q(pk__in=grouped.filter(figure=value).values("customer"))
    raise ValueError(op)


class ChoiceFieldCondition(Condition):
    field = ""
    operators = {
        "in": (gettext_lazy("is one of"), MULTI),
        "not_in": (gettext_lazy("is none of"), MULTI),
    }

    def q(self, op, value, window_days, today):
        match = Q(**{f"{self.field}__in": value})
        return match if op == "in" else ~match


class CountryCondition(ChoiceFieldCondition):
    key, label, field, order = "country", gettext_lazy("Country"), "country", 10

    def choices(self):
        return list(countries)


class LanguageCondition(ChoiceFieldCondition):
    key, label, field, order = "language", gettext_lazy("Language"), "language", 20

    def choices(self):
        return list(settings.LANGUAGES)


class OwnerCondition(Condition):
    key, label, order = "owner", gettext_lazy("Owner"), 30
    operators = {
        "is": (gettext_lazy("is"), SINGLE),
        "is_not": (gettext_lazy("is not"), SINGLE),
        "none": (gettext_lazy("nobody"), NONE),
    }

    def choices(self):
        from crm.selectors import owner_choices

        return [(u.username, u.get_full_name() or u.username) for u in owner_choices()]

    def q(self, op, value, window_days, today):
        if op == "none":
            return Q(owner__isnull=True)
        match = Q(owner__username=value)
        return match if op == "is" else Q(owner__isnull=True) | ~match


class ConsentCondition(Condition):
    key, label, order = "consent", gettext_lazy("Consent"), 40
    operators = {
        "given": (gettext_lazy("given to"), SINGLE),
        "not_given": (gettext_lazy("not given to"), SINGLE),
    }

    def choices(self):
        return [("email", gettext_lazy("emails")), ("sms", gettext_lazy("text messages"))]

    def q(self, op, value, window_days, today):
        match = Q(**{f"{value}_consent": True})
        return match if op == "given" else ~match


class CustomerSinceCondition(Condition):
    key, label, order = "customer_since", gettext_lazy("Customer since"), 50
    operators = {
        "before": (gettext_lazy("before"), DATE),
        "after": (gettext_lazy("after"), DATE),
        "in_last_days": (gettext_lazy("within the last"), DAYS),
        "more_than_days_ago": (gettext_lazy("more days ago than"), DAYS),
    }

    def q(self, op, value, window_days, today):
        if op == "before":
            return Q(customer_since__lt=parse_date(value))
        if op == "after":
            return Q(customer_since__gt=parse_date(value))
        cutoff = today - datetime.timedelta(days=value)
        if op == "in_last_days":
            return Q(customer_since__gt=cutoff)
        return Q(customer_since__lt=cutoff)


class ClosedCondition(Condition):
    key, label, order = "closed", gettext_lazy("Relationship"), 60
    operators = {
        "closed": (gettext_lazy("closed (a closing date is reached)"), NONE),
        "open": (gettext_lazy("open (no closing date reached)"), NONE),
    }

    def q(self, op, value, window_days, today):
        closed = Q(closed_on__isnull=False, closed_on__lte=today)
        return closed if op == "closed" else ~closed


class TagCondition(Condition):
    key, label, order = "tag", gettext_lazy("Tags"), 70
    operators = {
        "has_any": (gettext_lazy("include any of"), MULTI),
        "has_all": (gettext_lazy("include all of"), MULTI),
        "has_none": (gettext_lazy("include none of"), MULTI),
    }

    unknown_message = gettext_lazy("the tag %(v)s no longer exists; remove it from the condition.")

    # Tags by id: a renamed tag keeps its segments.
    def choices(self):
        return [(str(t.pk), t.name) for t in Tag.objects.order_by("name")]

    def q(self, op, value, window_days, today):
        def tagged(ids):
            links = Customer.tags.through.objects.filter(tag_id__in=[int(i) for i in ids])
            return Q(pk__in=links.values("customer_id"))

        if op == "has_any":
            return tagged(value)
        if op == "has_none":
            return ~tagged(value)
        combined = Q()
        for tag_id in value:
            combined &= tagged([tag_id])
        return combined


class StatusCondition(Condition):
    key, label, order = "status", gettext_lazy("Status"), 80
    operators = {
        "in": (gettext_lazy("is one of"), MULTI),
        "not_in": (gettext_lazy("is none of"), MULTI),
    }

    def choices(self):
        from crm.filters import STATUS_CHOICES

        return STATUS_CHOICES

    def q(self, op, value, window_days, today):
        from crm.selectors import customer_status_q

        match = Q()
        for status in value:
            match |= customer_status_q(status, day=today)
        return match if op == "in" else ~match


_COMPARISONS = {
    "gte": (gettext_lazy("at least"), NUMBER),
    "lte": (gettext_lazy("at most"), NUMBER),
    "eq": (gettext_lazy("exactly"), NUMBER),
}


class OrderCountCondition(Condition):
    key, label, order, window = "order_count", gettext_lazy("Completed orders"), 90, True
    operators = _COMPARISONS

    def q(self, op, value, window_days, today):
        if _stored(window_days, today):
            return Q(**{f"order_count__{_COMPARE[op]}": value})
        orders = _completed(window_days, today)
        if op == "eq" and value == 0 or op == "lte" and value == 0:
            return ~Q(pk__in=orders.values("customer"))
        return _per_customer(orders, Count("id"), op, value)


class RevenueCondition(Condition):
    key, label, order, window = "revenue", gettext_lazy("Revenue"), 100, True
    operators = {"gte": (gettext_lazy("at least"), MONEY), "lte": (gettext_lazy("at most"), MONEY)}

    def q(self, op, value, window_days, today):
        amount = Decimal(value)
        if _stored(window_days, today):
            return Q(**{f"revenue__{_COMPARE[op]}": amount})
        if op == "gte" and amount == 0:
            return Q()
        return _per_customer(_completed(window_days, today), Sum("total"), op, amount)


class AverageOrderCondition(Condition):
    key, label, order, window = "average_order", gettext_lazy("Average order value"), 110, True
    operators = {"gte": (gettext_lazy("at least"), MONEY), "lte": (gettext_lazy("at most"), MONEY)}

    def q(self, op, value, window_days, today):
        if _stored(window_days, today):
            per_order = F("order_count") * Decimal(value)
            return Q(order_count__gt=0) & Q(**{f"revenue__{_COMPARE[op]}": per_order})
        grouped = _completed(window_days, today).values("customer").annotate(figure=Avg("total"))
        lookup = "figure__gte" if op == "gte" else "figure__lte"
        return Q(pk__in=grouped.filter(**{lookup: Decimal(value)}).values("customer"))


class DaysSinceLastOrderCondition(Condition):
    key, label, order = "days_since_last_order", gettext_lazy("Days since the last order"), 120
    operators = {
        "gte": (gettext_lazy("at least"), DAYS),
        "lte": (gettext_lazy("at most"), DAYS),
    }

    def q(self, op, value, window_days, today):
        if _stored(None, today):
            if op == "gte":
                return Q(last_order_at__lt=_days_ago(today, value - 1))
            return Q(last_order_at__gte=_days_ago(today, value))
        completed = Order.objects.filter(customer=OuterRef("pk"), status=Order.Status.COMPLETED)
        if op == "gte":  # the last order day is `value` or more days before today
            recent = completed.filter(placed_at__gte=_days_ago(today, value - 1))
            return Exists(completed) & ~Exists(recent)
        return Exists(completed.filter(placed_at__gte=_days_ago(today, value)))


class FirstOrderCondition(Condition):
    key, label, order = "first_order", gettext_lazy("First order"), 130
    operators = {
        "in_last_days": (gettext_lazy("within the last"), DAYS),
        "more_than_days_ago": (gettext_lazy("more days ago than"), DAYS),
        "between_days_ago": (gettext_lazy("between"), DAYS_RANGE),
    }

    def q(self, op, value, window_days, today):
        if _stored(None, today):
            if op == "in_last_days":
                return Q(first_order_at__gte=_days_ago(today, value - 1))
            if op == "more_than_days_ago":
                return Q(first_order_at__lt=_days_ago(today, value))
            newest, oldest = value
            return Q(
                first_order_at__gte=_days_ago(today, oldest),
                first_order_at__lt=_days_ago(today, newest - 1),
            )
        firsts = (
            Order.objects.filter(status=Order.Status.COMPLETED)
            .values("customer")
            .annotate(first=Min("placed_at"))
        )
        if op == "in_last_days":
            found = firsts.filter(first__gte=_days_ago(today, value - 1))
        elif op == "more_than_days_ago":
            found = firsts.filter(first__lt=_days_ago(today, value))
        else:
            newest, oldest = value
            found = firsts.filter(
                first__gte=_days_ago(today, oldest),
                first__lt=_days_ago(today, newest - 1),
            )
        return Q(pk__in=found.values("customer"))


def register() -> None:
    for condition in (
        CountryCondition(),
        LanguageCondition(),
        OwnerCondition(),
        ConsentCondition(),
        CustomerSinceCondition(),
        ClosedCondition(),
        TagCondition(),
        StatusCondition(),
        OrderCountCondition(),
        RevenueCondition(),
        AverageOrderCondition(),
        DaysSinceLastOrderCondition(),
        FirstOrderCondition(),
    ):
        condition_register(condition)
