"""Importing customers and orders from CSV: check the whole file, then write in batches.

`customers_import` and `orders_import` first read the whole file and check every row
(types, ranges, the rules crm's services keep, unknown customers, duplicates); a file
with any bad row imports nothing and the report lists each one (line, column, message).
A good file is then written in batches of BATCH rows, each in its own transaction, so a
crash leaves whole batches or nothing, and a re-run completes the rest: rows are matched
by `external_id`, and a row already imported with the same values changes nothing.

Orders keep `customer_since` true (an earlier completed order moves it earlier). Mode
"history" (the default) sends no order events, so old orders earn no loyalty points;
"live" sends `order_completed`, `order_refunded` and `order_cancelled` after each batch
commits.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Min
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from config.validation import is_blank
from crm import signals
from crm.imports.columns import CUSTOMER_COLUMNS, HISTORY, LIVE, ORDER_COLUMNS
from crm.imports.reading import (
    FileError,
    open_rows,
    parse_amount,
    parse_day,
    parse_flag,
    parse_moment,
)
from crm.models import Customer, Order, Tag
from crm.services.customers import _check_attributes, _normalise_phone, _validate_customer
from crm.services.orders import _parse_total, customer_figures_add, customer_figures_refresh
from crm.services.rules import _business_day, _check_moment

BATCH = 1000
MAX_ERRORS = 1000  # reported rows; the count goes on
_CUSTOMER_FIELDS = [c for c in CUSTOMER_COLUMNS if c not in ("external_id", "tags")]


@dataclass
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    dry_run: bool
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    done_rows: int = 0  # rows written so far (the last batch that committed)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.error_count

    def add(self, line: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(line, column, message))


def _messages(error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [(f, m) for f, msgs in error.message_dict.items() for m in msgs]
    return [("", m) for m in error.messages]


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _run(
    stream: IO[bytes],
    *,
    kind: str,
    columns: list[str],
    required: list[list[str]],
    check_batch: Callable,
    write_batch: Callable,
    dry_run: bool,
    encoding: str | None,
    delimiter: str | None,
    progress: Callable[[ImportReport], None] | None,
    mapping: dict[str, str] | None = None,
) -> ImportReport:
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        header, rows, report.encoding, report.delimiter = open_rows(
            stream, encoding=encoding, delimiter=delimiter, mapping=mapping
        )
    except FileError as exc:
        report.file_errors.append(str(exc))
        return report
    missing = [" or ".join(options) for options in required if not set(options) & set(header)]
    if missing:
        report.file_errors.append(_("Missing columns: %(c)s.") % {"c": ", ".join(missing)})
        return report
    report.ignored_columns = [h for h in header if h and h not in columns]
    seen: dict[str, set] = {}
    # Pass 1: every row is checked; nothing is written.
    try:
        for batch in _batches(rows, BATCH):
            report.rows += len(batch)
            for plan in check_batch(batch, report, seen):
                if plan == "create":
                    report.created += 1
                elif plan == "update":
                    report.updated += 1
                else:
                    report.unchanged += 1
    except FileError as exc:
        report.file_errors.append(str(exc))
    if dry_run or not report.ok:
        return report
    # Pass 2: the same rows, written batch by batch.
    stream.seek(0)
    rows = open_rows(stream, encoding=report.encoding, delimiter=report.delimiter, mapping=mapping)[
        1
    ]
    written = ImportReport(kind=kind, dry_run=False)
    for batch in _batches(rows, BATCH):
        with transaction.atomic():
            plans = check_batch(batch, written, {}, for_write=True)
            if written.error_count:  # the data changed since the check: stop here
                report.error_count, report.errors = written.error_count, written.errors
                raise_after = True
            else:
                write_batch(plans)
                raise_after = False
        if raise_after:
            return report
        report.done_rows += len(batch)
        if progress:
            progress(report)
    return report


# --- Customers ----------------------------------------------------------------------------


def _has_nul(row: dict[str, str], line: int, report: ImportReport) -> bool:
    """PostgreSQL cannot store the NUL character: a cell with one is a row error."""
    columns = [column for column, text in row.items() if "\x00" in text]
    for column in columns:
        report.add(line, column, _("The text cannot contain the NUL character."))
    return bool(columns)


def _customer_values(row: dict[str, str], line: int, report: ImportReport) -> dict | None:
    if _has_nul(row, line, report):
        return None
    values: dict[str, Any] = {}
    bad = False

    def fail(column: str, message: str):
        nonlocal bad
        bad = True
        report.add(line, column, message)

    external_id = row.get("external_id", "")
    if is_blank(external_id):
        fail("external_id", _("Give the customer's external id."))
    elif len(external_id) > 100:
        fail("external_id", _("At most 100 characters."))
    values["external_id"] = external_id
    for column, limit in (("first_name", 100), ("last_name", 100), ("company", 200)):
        if column in row:
            if len(row[column]) > limit:
                fail(column, _("At most %(n)s characters.") % {"n": limit})
            values[column] = row[column]
    if "email" in row:
        email = row["email"]
        if email and ("@" not in email or len(email) > 254 or " " in email):
            fail("email", _("Enter a valid email address."))
        values["email"] = email
    if "country" in row:
        code = row["country"].upper()
        if code and code not in dict(countries):
            fail("country", _("Use a two-letter country code such as LV."))
        values["country"] = code
    if "language" in row:
        language = row["language"].lower() or "en"
        if language not in dict(settings.LANGUAGES):
            fail("language", _("One of: %(l)s.") % {"l": ", ".join(dict(settings.LANGUAGES))})
        values["language"] = language
    if "phone" in row:
        try:
            values["phone"] = _normalise_phone(row["phone"], values.get("country", ""))
        except ValidationError as exc:
            fail("phone", _messages(exc)[0][1])
    for column in ("customer_since", "closed_on"):
        if row.get(column):
            try:
                values[column] = parse_day(row[column])
            except ValueError as exc:
                fail(column, str(exc))
        elif column == "closed_on" and column in row:
            values[column] = None
    for column in ("email_consent", "sms_consent"):
        if column in row:
            try:
                values[column] = parse_flag(row[column])
            except ValueError as exc:
                fail(column, str(exc))
    if "tags" in row:
        names = [n.strip() for n in row["tags"].replace("|", ";").split(";") if n.strip()]
        if any(len(n) > 50 for n in names):
            fail("tags", _("A tag name has at most 50 characters."))
        values["tags"] = names
    return None if bad else values


def _check_customers(batch, report: ImportReport, seen: dict, for_write: bool = False):
    """Check one batch of customer rows; returns a plan per good row."""
    seen_ids = seen.setdefault("external_id", set())
    seen_emails = seen.setdefault("email", set())
    parsed = []
    for line, row in batch:
        values = _customer_values(row, line, report)
        if values is None:
            continue
        key = values["external_id"]
        if key in seen_ids:
            report.add(line, "external_id", _("This external id is in the file twice."))
            continue
        seen_ids.add(key)
        email = (values.get("email") or "").lower()
        if email and email in seen_emails:
            report.add(line, "email", _("This email is in the file twice."))
            continue
        if email:
            seen_emails.add(email)
        parsed.append((line, values))
    existing = {
        c.external_id: c
        for c in Customer.objects.filter(external_id__in=[v["external_id"] for _l, v in parsed])
    }
    emails = [v["email"].lower() for _l, v in parsed if v.get("email")]
    taken = dict(
        Customer.objects.annotate(e=Lower("email"))
        .filter(e__in=emails)
        .values_list("e", "external_id")
    )
    firsts = dict(
        Order.objects.filter(customer__in=list(existing.values()), status=Order.Status.COMPLETED)
        .values("customer")
        .annotate(first=Min("placed_at"))
        .values_list("customer", "first")
    )
    tagged: dict[int, set[str]] = {}
    for customer_id, name in Customer.tags.through.objects.filter(
        customer__in=list(existing.values())
    ).values_list("customer_id", "tag__name"):
        tagged.setdefault(customer_id, set()).add(name.lower())
    now = timezone.now()
    plans = []
    for line, values in parsed:
        current = existing.get(values["external_id"])
        email = (values.get("email") or "").lower()
        if email and email in taken and taken[email] != values["external_id"]:
            report.add(line, "email", _("Another customer has this email."))
            continue
        customer = Customer() if current is None else Customer(**{
            f.attname: getattr(current, f.attname) for f in Customer._meta.concrete_fields
        })  # fmt: skip
        changed = []
        for name in _CUSTOMER_FIELDS:
            if name in values and getattr(customer, name) != values[name]:
                if name in ("email_consent", "sms_consent"):
                    stamp = f"{name}_at"
                    setattr(customer, stamp, now if values[name] else None)
                    changed.append(stamp)
                setattr(customer, name, values[name])
                changed.append(name)
        customer.external_id = values["external_id"]
        if current is None and "customer_since" not in values:
            customer.customer_since = _business_day(now)
        try:
            _validate_customer(customer, None if current is None else set(changed))
            if current is not None and "customer_since" in changed and current.pk in firsts:
                first_day = _business_day(firsts[current.pk])
                if customer.customer_since > first_day:
                    raise ValidationError(
                        {"customer_since": _("The first order was on %(d)s.") % {"d": first_day}}
                    )
            _check_attributes(customer.attributes or {})
        except ValidationError as exc:
            for column, message in _messages(exc):
                report.add(line, column or "row", message)
            continue
        tags = values.get("tags", [])
        if current is not None:  # tags are added, never removed: only new ones count
            tags = [t for t in tags if t.lower() not in tagged.get(current.pk, set())]
        if current is None:
            plans.append(("create", customer, tags, []))
        elif changed or tags:
            plans.append(("update" if changed else "tags", customer, tags, changed))
        else:
            plans.append(("same", customer, [], []))
    if for_write:
        return plans
    return [plan[0] if plan[0] != "tags" else "update" for plan in plans]


def _write_customers(plans) -> None:
    new = [customer for plan, customer, _t, _c in plans if plan == "create"]
    Customer.objects.bulk_create(new, batch_size=BATCH)
    by_fields: dict[tuple, list] = {}
    for plan, customer, _tags, changed in plans:
        if plan == "update":
            by_fields.setdefault(tuple(sorted(set(changed))), []).append(customer)
    now = timezone.now()
    for fields, customers in by_fields.items():
        for customer in customers:
            customer.updated_at = now
        Customer.objects.bulk_update(customers, [*fields, "updated_at"], batch_size=BATCH)
    wanted = {name for _p, _c, tags, _ch in plans for name in tags}
    if not wanted:
        return
    known = {
        t.name.lower(): t
        for t in Tag.objects.alias(n=Lower("name")).filter(n__in=[w.lower() for w in wanted])
    }
    for name in sorted(wanted):
        if name.lower() not in known:
            known[name.lower()] = Tag.objects.create(name=name)
    with_ids = {c.external_id: c.pk for c in Customer.objects.filter(
        external_id__in=[c.external_id for _p, c, tags, _ch in plans if tags])}  # fmt: skip
    links = [
        Customer.tags.through(customer_id=with_ids[c.external_id], tag_id=known[n.lower()].pk)
        for _p, c, tags, _ch in plans
        for n in tags
    ]
    Customer.tags.through.objects.bulk_create(links, ignore_conflicts=True, batch_size=BATCH)


def customers_import(
    stream: IO[bytes],
    *,
    dry_run: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Callable[[ImportReport], None] | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportReport:
    """Import customers (columns: CUSTOMER_COLUMNS; `external_id` required), matched by
    `external_id`: new ones are created, changed ones updated, tags added."""
    return _run(
        stream,
        kind="customers",
        columns=CUSTOMER_COLUMNS,
        required=[["external_id"]],
        check_batch=_check_customers,
        write_batch=_write_customers,
        dry_run=dry_run,
        encoding=encoding,
        delimiter=delimiter,
        progress=progress,
        mapping=mapping,
    )


# --- Orders -------------------------------------------------------------------------------

_ALLOWED_STATUS = {
    Order.Status.COMPLETED: {Order.Status.REFUNDED, Order.Status.CANCELLED},
}
_STATUSES = frozenset(Order.Status.values)
_CHANNELS = frozenset(Order.Channel.values)
# The columns COPY writes on PostgreSQL, in order.
_COPY_COLUMNS = (
    "external_id", "customer_id", "placed_at", "total", "currency", "status", "channel",
    "item_count", "created_at", "updated_at",
)  # fmt: skip


def _order_values(row: dict[str, str], line: int, report: ImportReport) -> dict | None:
    if _has_nul(row, line, report):
        return None
    values: dict[str, Any] = {}
    errors_before = report.error_count
    external_id = row.get("external_id", "")
    if is_blank(external_id) or len(external_id) > 100:
        report.add(line, "external_id", _("Give the order's external id (at most 100 characters)."))
    values["external_id"] = external_id
    values["customer_external_id"] = row.get("customer_external_id", "")
    values["customer_email"] = row.get("customer_email", "").lower()
    if not values["customer_external_id"] and not values["customer_email"]:
        report.add(line, "customer_external_id", _("Name the customer by external id or email."))
    try:
        values["placed_at"] = parse_moment(row.get("placed_at", ""))
        _check_moment("placed_at", values["placed_at"])
    except ValueError as exc:
        report.add(line, "placed_at", str(exc))
    except ValidationError as exc:
        report.add(line, "placed_at", _messages(exc)[0][1])
    try:
        values["total"] = _parse_total(parse_amount(row.get("total", "")))
    except ValueError as exc:
        report.add(line, "total", str(exc))
    except ValidationError as exc:
        report.add(line, "total", _messages(exc)[0][1])
    currency = (row.get("currency") or settings.CURRENCY).upper()
    if currency != settings.CURRENCY:
        report.add(line, "currency", _("Orders must be in %(c)s.") % {"c": settings.CURRENCY})
    values["currency"] = currency
    status = (row.get("status") or Order.Status.COMPLETED).lower()
    if status not in _STATUSES:
        report.add(line, "status", _("One of: %(s)s.") % {"s": ", ".join(Order.Status.values)})
    values["status"] = status
    channel = (row.get("channel") or Order.Channel.WEB).lower()
    if channel not in _CHANNELS:
        report.add(line, "channel", _("One of: %(s)s.") % {"s": ", ".join(Order.Channel.values)})
    values["channel"] = channel
    items = row.get("item_count") or "1"
    if not items.isascii() or not items.isdigit() or not 1 <= int(items) <= 100_000:
        report.add(line, "item_count", _("A whole number from 1 to 100000."))
    else:
        values["item_count"] = int(items)
    return values if report.error_count == errors_before else None


def _check_orders(batch, report: ImportReport, seen: dict, for_write: bool = False):
    seen_ids = seen.setdefault("external_id", set())
    parsed = []
    for line, row in batch:
        values = _order_values(row, line, report)
        if values is None:
            continue
        if values["external_id"] in seen_ids:
            report.add(line, "external_id", _("This external id is in the file twice."))
            continue
        seen_ids.add(values["external_id"])
        parsed.append((line, values))
    by_id = dict(
        Customer.objects.filter(
            external_id__in={v["customer_external_id"] for _l, v in parsed} - {""}
        ).values_list("external_id", "pk")
    )
    by_email = dict(
        Customer.objects.annotate(e=Lower("email"))
        .filter(e__in={v["customer_email"] for _l, v in parsed} - {""})
        .values_list("e", "pk")
    )
    existing = {
        o.external_id: o
        for o in Order.objects.filter(external_id__in=[v["external_id"] for _l, v in parsed])
    }
    plans = []
    for line, values in parsed:
        if values["customer_external_id"]:
            customer_id = by_id.get(values["customer_external_id"])
            column = "customer_external_id"
            by_mail = by_email.get(values["customer_email"]) if values["customer_email"] else None
            if customer_id is not None and values["customer_email"] and by_mail != customer_id:
                report.add(
                    line, "customer_email",
                    _("The external id and the email name different customers."),
                )  # fmt: skip
                continue
        else:
            customer_id = by_email.get(values["customer_email"])
            column = "customer_email"
        if customer_id is None:
            if column == "customer_email":
                report.add(line, column, _("No customer has this email."))
            else:
                report.add(line, column, _("No customer has this external id."))
            continue
        current = existing.get(values["external_id"])
        if current is None:
            if not for_write:  # the check only counts: no model instance per row
                plans.append(("create", None, None))
                continue
            order = Order(
                customer_id=customer_id,
                **{k: values[k] for k in ("external_id", "placed_at", "total", "currency",
                                          "status", "channel", "item_count")},
            )  # fmt: skip
            plans.append(("create", order, None))
            continue
        if current.customer_id != customer_id or current.total != values["total"]:
            report.add(
                line, "external_id",
                _("This order was imported before for another customer or total."),
            )  # fmt: skip
            continue
        changed = []
        if current.status != values["status"]:
            if values["status"] not in _ALLOWED_STATUS.get(current.status, set()):
                report.add(
                    line, "status",
                    _("The order is %(old)s; it cannot become %(new)s.")
                    % {"old": current.status, "new": values["status"]},
                )  # fmt: skip
                continue
            changed.append("status")
        if current.placed_at != values["placed_at"]:
            changed.append("placed_at")
        previous = current.status
        for name in changed:
            setattr(current, name, values[name])
        plans.append(("update" if changed else "same", current, (changed, previous)))
    if for_write:
        return plans
    return [plan[0] for plan in plans]


def _insert_orders(orders: list[Order], *, need_ids: bool) -> None:
    """Insert new orders: COPY on PostgreSQL (several times faster than INSERT for big
    files), bulk_create elsewhere. With `need_ids`, the orders get their ids."""
    if connection.vendor != "postgresql":
        Order.objects.bulk_create(orders, batch_size=BATCH)
        return
    now = timezone.now()
    columns = ", ".join(_COPY_COLUMNS)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY crm_order ({columns}) FROM STDIN") as copy:
            for o in orders:
                copy.write_row(
                    (o.external_id, o.customer_id, o.placed_at, o.total, o.currency, o.status,
                     o.channel, o.item_count, now, now)
                )  # fmt: skip
    if need_ids:
        ids = dict(
            Order.objects.filter(external_id__in=[o.external_id for o in orders]).values_list(
                "external_id", "pk"
            )
        )
        for order in orders:
            order.pk = ids[order.external_id]


def _write_orders(plans, mode: str) -> None:
    new = [order for plan, order, _x in plans if plan == "create"]
    _insert_orders(new, need_ids=mode == LIVE)
    now = timezone.now()
    for plan, order, extra in plans:
        if plan == "update":
            order.updated_at = now
            order.save(update_fields=[*extra[0], "updated_at"])
    # customer_since: no later than the first completed order day (docs/metrics.md).
    firsts: dict[int, datetime.date] = {}
    for plan, order, _x in plans:
        if plan != "same" and order.status == Order.Status.COMPLETED:
            day = _business_day(order.placed_at)
            firsts[order.customer_id] = min(day, firsts.get(order.customer_id, day))
    movers = [
        c
        for c in Customer.objects.filter(pk__in=firsts).only("pk", "customer_since")
        if firsts[c.pk] < c.customer_since
    ]
    for customer in movers:
        customer.customer_since = firsts[customer.pk]
        customer.updated_at = now
    Customer.objects.bulk_update(movers, ["customer_since", "updated_at"], batch_size=BATCH)
    # New completed orders add to the stored figures; a changed order recomputes them.
    customer_figures_add(
        new_completed=[
            o for p, o, _x in plans if p == "create" and o.status == Order.Status.COMPLETED
        ]
    )
    customer_figures_refresh(customer_ids={o.customer_id for p, o, _x in plans if p == "update"})
    if mode != LIVE:
        return
    events = {
        Order.Status.COMPLETED: signals.order_completed,
        Order.Status.REFUNDED: signals.order_refunded,
        Order.Status.CANCELLED: signals.order_cancelled,
    }
    sent = []
    for plan, order, extra in plans:
        if plan == "create" or (plan == "update" and "status" in extra[0]):
            sent.append((events[order.status], order.pk, order.customer_id))

    def send():
        for signal, order_id, customer_id in sent:
            signal.send(sender=Order, order_id=order_id, customer_id=customer_id)

    transaction.on_commit(send)


def orders_import(
    stream: IO[bytes],
    *,
    mode: str = HISTORY,
    dry_run: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Callable[[ImportReport], None] | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportReport:
    """Import orders (columns: ORDER_COLUMNS; `external_id`, the customer by
    `customer_external_id` or `customer_email`, `placed_at` and `total` required),
    matched by `external_id`. A known order may be refunded or cancelled, or its time
    corrected, by a later file; anything else about it is refused."""
    if mode not in (HISTORY, LIVE):
        raise ValueError(f"mode must be {HISTORY!r} or {LIVE!r}")
    return _run(
        stream,
        kind="orders",
        columns=ORDER_COLUMNS,
        required=[
            ["external_id"],
            ["customer_external_id", "customer_email"],
            ["placed_at"],
            ["total"],
        ],
        check_batch=_check_orders,
        write_batch=lambda plans: _write_orders(plans, mode),
        dry_run=dry_run,
        encoding=encoding,
        delimiter=delimiter,
        progress=progress,
        mapping=mapping,
    )
