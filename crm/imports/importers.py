"""Importing customers and orders from CSV: read once into a stage, check, write in batches.

`customers_import` and `orders_import` read the file once, row by row, and check what a
row alone can tell (types, ranges, formats); the rows that parse go to a temporary stage
table (crm.imports.staging). The checks that need the database (duplicates in the file,
unknown customers, emails of other customers, conflicts with what is stored) then run
over the stage. A file with any bad row imports nothing, and the report lists each one
(line, column, message). A good file is written from the stage in batches of BATCH rows,
each in its own transaction, so a crash leaves whole batches or nothing, and a re-run
completes the rest: rows are matched by `external_id`, and a row already imported with
the same values changes nothing.

Orders keep `customer_since` true (an earlier completed order moves it earlier) and the
customers' stored figures current, in the batch's transaction. Mode "history" (the
default) sends no order events, so old orders earn no loyalty points; "live" sends
`order_completed`, `order_refunded` and `order_cancelled` after each batch commits.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
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
from crm.imports.staging import Stage, db_value
from crm.models import Customer, Order, Tag
from crm.services.customers import _check_attributes, _normalise_phone, _validate_customer
from crm.services.orders import _parse_total, customer_figures_refresh
from crm.services.rules import _business_day, _check_moment, _day_start, earliest_day

BATCH = 10_000  # rows per write transaction (and per check of stored customers)
LOAD = 10_000  # rows per COPY into the stage
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


class _Changed(Exception):
    """The stored data changed between the check and a write batch."""


def _messages(error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [(f, m) for f, msgs in error.message_dict.items() for m in msgs]
    return [("", m) for m in error.messages]


def _open(
    stream: IO[bytes],
    report: ImportReport,
    *,
    columns: list[str],
    required: list[list[str]],
    encoding: str | None,
    delimiter: str | None,
    mapping: dict[str, str] | None,
) -> tuple[list[str], Iterator] | None:
    """The header and the rows of a file whose required columns are there; None (and
    the reason in the report) otherwise."""
    try:
        header, rows, report.encoding, report.delimiter = open_rows(
            stream, encoding=encoding, delimiter=delimiter, mapping=mapping
        )
    except FileError as exc:
        report.file_errors.append(str(exc))
        return None
    missing = [" or ".join(options) for options in required if not set(options) & set(header)]
    if missing:
        report.file_errors.append(_("Missing columns: %(c)s.") % {"c": ", ".join(missing)})
        return None
    report.ignored_columns = [h for h in header if h and h not in columns]
    return header, rows


def _stage_rows(stage: Stage, report: ImportReport, rows: Iterator, staged: Callable) -> bool:
    """Check each row alone (`staged(line, row)` returns the stage rows of a good one)
    and load the good ones; False when the file turned out unreadable."""
    buffer: list[tuple] = []
    try:
        for line, row in rows:
            report.rows += 1
            buffer.extend(staged(line, row))
            if len(buffer) >= LOAD:
                stage.load(buffer)
                buffer = []
    except FileError as exc:
        report.file_errors.append(str(exc))
        return False
    stage.load(buffer)
    return True


def _sql_errors(
    stage: Stage,
    report: ImportReport,
    where: str,
    column: str,
    message: str | Callable[[tuple], str],
    select: str = "line",
) -> None:
    """Report the staged rows matching `where` as errors in `column`, and drop them."""
    found = stage.rows(
        f"SELECT {select} FROM {{stage}} WHERE {where} ORDER BY line LIMIT %s", [MAX_ERRORS]
    )
    if not found:
        return
    for row in found:
        report.add(row[0], column, message(row) if callable(message) else message)
    report.error_count += stage.execute(f"DELETE FROM {{stage}} WHERE {where}") - len(found)


def _duplicates(key: str) -> str:
    """Rows whose `key` an earlier row of the file has (the first one stays)."""
    return f"""line IN (SELECT line FROM (
                   SELECT line, ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY line) AS n
                     FROM {{stage}} WHERE {key} <> '') numbered WHERE n > 1)"""


def _write(
    stage: Stage,
    report: ImportReport,
    write_batch: Callable[[int, int], None],
    progress: Callable[[ImportReport], None] | None,
    key: str = "line",
) -> None:
    """Write the stage in batches of rows by `key`, each in its own transaction."""
    for first, after, count in stage.ranges(BATCH, key):
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # An import is idempotent: a batch whose commit a crash lost is
                    # written again by the re-run, so the commit need not wait for disk.
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit = off")
                write_batch(first, after)
        except (IntegrityError, _Changed):
            report.file_errors.append(
                _(
                    "Customers or orders changed while the file was imported; %(n)s rows "
                    "were written. Import the file again to complete it."
                )
                % {"n": report.done_rows}
            )
            return
        report.done_rows += count
        if progress:
            progress(report)


def _finish(report: ImportReport) -> ImportReport:
    report.errors.sort(key=lambda error: error.line)
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


_CUSTOMER_STAGE = {
    "line": "integer", "external_id": "text", "first_name": "text", "last_name": "text",
    "email": "text", "email_lower": "text", "phone": "text", "company": "text",
    "language": "text", "country": "text", "customer_since": "date", "closed_on": "date",
    "email_consent": "boolean", "sms_consent": "boolean", "customer_id": "bigint",
}  # fmt: skip
_TAG_STAGE = {"line": "integer", "name": "text"}
_TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "company", "country")


def _plan_customers(
    parsed: list[tuple[int, dict, int | None]], tags: dict[int, list[str]], report: ImportReport
) -> list[tuple[str, Customer, list[str], list[str]]]:
    """What each staged row does: ("create" | "update" | "tags" | "same", the customer
    as it would be saved, tag names to add, changed fields); bad rows are reported."""
    existing = {
        c.pk: c for c in Customer.objects.filter(pk__in=[pk for _l, _v, pk in parsed if pk])
    }
    tagged: dict[int, set[str]] = {}
    for customer_id, name in Customer.tags.through.objects.filter(
        customer__in=list(existing)
    ).values_list("customer_id", "tag__name"):
        tagged.setdefault(customer_id, set()).add(name.lower())
    now = timezone.now()
    plans = []
    for line, values, pk in parsed:
        current = existing.get(pk) if pk else None
        if pk and current is None:  # deleted since the stage was checked
            report.add(line, "external_id", _("This customer was deleted during the import."))
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
            first_order = current.first_order_at if current is not None else None
            if "customer_since" in changed and first_order is not None:
                first_day = _business_day(first_order)
                if customer.customer_since > first_day:
                    raise ValidationError(
                        {"customer_since": _("The first order was on %(d)s.") % {"d": first_day}}
                    )
            _check_attributes(customer.attributes or {})
        except ValidationError as exc:
            for column, message in _messages(exc):
                report.add(line, column or "row", message)
            continue
        names = tags.get(line, [])
        if current is not None:  # tags are added, never removed: only new ones count
            names = [t for t in names if t.lower() not in tagged.get(current.pk, set())]
        if current is None:
            plans.append(("create", customer, names, []))
        elif changed or names:
            plans.append(("update" if changed else "tags", customer, names, changed))
        else:
            plans.append(("same", customer, [], []))
    return plans


def _staged_customers(stage: Stage, tag_stage: Stage, present: set[str], first: int, after: int):
    """The staged rows with lines in [first, after): (line, values, stored id), in the
    shape `_customer_values` gives, and their tags by line."""
    names = [n for n in _CUSTOMER_STAGE if n not in ("line", "email_lower", "customer_id")]
    rows = stage.rows(
        f"SELECT line, customer_id, {', '.join(names)} FROM {{stage}} "
        "WHERE line >= %s AND line < %s ORDER BY line",
        [first, after],
    )
    parsed = []
    for line, pk, *cells in rows:
        values = {"external_id": cells[0]}
        for name, cell in zip(names[1:], cells[1:], strict=True):
            if name not in present:
                continue
            if name == "customer_since" and cell is None:
                continue  # empty: the stored day stays (a new customer: today)
            if name in ("email_consent", "sms_consent"):
                cell = bool(cell)
            elif name in ("customer_since", "closed_on") and isinstance(cell, str):
                cell = datetime.date.fromisoformat(cell)  # SQLite gives text
            values[name] = cell
        parsed.append((line, values, pk))
    tags: dict[int, list[str]] = {}
    if "tags" in present:
        for line, name in tag_stage.rows(
            "SELECT line, name FROM {stage} WHERE line >= %s AND line < %s ORDER BY line, name",
            [first, after],
        ):
            tags.setdefault(line, []).append(name)
    return parsed, tags


def _check_staged_customers(stage: Stage, tag_stage: Stage, present: set, report: ImportReport):
    _sql_errors(
        stage, report, _duplicates("external_id"), "external_id",
        _("This external id is in the file twice."),
    )  # fmt: skip
    _sql_errors(
        stage, report, _duplicates("email_lower"), "email", _("This email is in the file twice.")
    )
    stage.execute(
        """UPDATE {stage} SET customer_id = c.id FROM crm_customer c
            WHERE c.external_id = {stage}.external_id"""
    )
    _sql_errors(
        stage,
        report,
        """email_lower <> '' AND EXISTS (
               SELECT 1 FROM crm_customer c WHERE lower(c.email) = {stage}.email_lower
                  AND (c.external_id IS NULL OR c.external_id <> {stage}.external_id))""",
        "email",
        _("Another customer has this email."),
    )
    for first, after, _count in stage.ranges(BATCH):
        parsed, tags = _staged_customers(stage, tag_stage, present, first, after)
        for plan, *_rest in _plan_customers(parsed, tags, report):
            if plan == "create":
                report.created += 1
            elif plan == "same":
                report.unchanged += 1
            else:
                report.updated += 1


def _write_customers(stage: Stage, tag_stage: Stage, present: set, first: int, after: int):
    """One batch: new customers set-based from the stage, changed ones from their plans,
    then the tags."""
    now = timezone.now()
    postgresql = connection.vendor == "postgresql"
    stage.execute(
        f"""INSERT INTO crm_customer (external_id, first_name, last_name, email, phone,
                company, language, country, customer_since, closed_on, email_consent,
                email_consent_at, sms_consent, sms_consent_at, attributes, order_count,
                revenue, created_at, updated_at)
            SELECT external_id, first_name, last_name, email, phone, company, language,
                   country, COALESCE(customer_since, %s), closed_on,
                   COALESCE(email_consent, %s), CASE WHEN email_consent THEN %s END,
                   COALESCE(sms_consent, %s), CASE WHEN sms_consent THEN %s END,
                   {"'{{}}'::jsonb" if postgresql else "'{{}}'"}, 0, 0, %s, %s
              FROM {{stage}} WHERE line >= %s AND line < %s AND customer_id IS NULL""",
        [_business_day(now), False, db_value(now), False, db_value(now), db_value(now),
         db_value(now), first, after],
    )  # fmt: skip
    parsed, tags = _staged_customers(stage, tag_stage, present, first, after)
    stored = [row for row in parsed if row[2] is not None]
    report = ImportReport(kind="customers", dry_run=False)
    plans = _plan_customers(stored, tags, report)
    if report.error_count:  # a stored customer changed since the check
        raise _Changed
    by_fields: dict[tuple, list] = {}
    for plan, customer, _tags, changed in plans:
        if plan == "update":
            customer.updated_at = now
            by_fields.setdefault(tuple(sorted(set(changed))), []).append(customer)
    for fields, customers in by_fields.items():
        Customer.objects.bulk_update(customers, [*fields, "updated_at"], batch_size=BATCH)
    if "tags" not in present:
        return
    wanted = {row[0].lower(): row[0] for row in tag_stage.rows(
        "SELECT DISTINCT name FROM {stage} WHERE line >= %s AND line < %s", [first, after]
    )}  # fmt: skip
    known = set(
        Tag.objects.annotate(n=Lower("name")).filter(n__in=wanted).values_list("n", flat=True)
    )
    for key in sorted(set(wanted) - known):
        Tag.objects.create(name=wanted[key])
    tag_stage.execute(
        f"""INSERT INTO crm_customer_tags (customer_id, tag_id)
            SELECT DISTINCT c.id, t.id
              FROM {{stage}} s
              JOIN {stage.name} staged ON staged.line = s.line
              JOIN crm_customer c ON c.external_id = staged.external_id
              JOIN crm_tag t ON lower(t.name) = lower(s.name)
             WHERE s.line >= %s AND s.line < %s
            ON CONFLICT DO NOTHING""",
        [first, after],
    )


def _customer_stage_row(line: int, row: dict[str, str], report: ImportReport):
    """The stage row and the tag names of a good row; None for a bad one."""
    values = _customer_values(row, line, report)
    if values is None:
        return None
    email = values.get("email", "")
    return (
        line,
        values["external_id"],
        *(values.get(n, "") for n in _TEXT_FIELDS[:3]),
        email.lower(),
        *(values.get(n, "") for n in _TEXT_FIELDS[3:5]),
        values.get("language", "en"),
        values.get("country", ""),
        values.get("customer_since"),
        values.get("closed_on"),
        values.get("email_consent"),
        values.get("sms_consent"),
        None,
    ), values.get("tags", [])


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
    report = ImportReport(kind="customers", dry_run=dry_run)
    opened = _open(
        stream, report, columns=CUSTOMER_COLUMNS, required=[["external_id"]],
        encoding=encoding, delimiter=delimiter, mapping=mapping,
    )  # fmt: skip
    if opened is None:
        return report
    header, rows = opened
    present = set(header)
    with (
        Stage("crm_import_customers", _CUSTOMER_STAGE) as stage,
        Stage("crm_import_customer_tags", _TAG_STAGE) as tag_stage,
    ):
        tag_buffer: list[tuple] = []

        def staged(line: int, row: dict[str, str]) -> list[tuple]:
            found = _customer_stage_row(line, row, report)
            if found is None:
                return []
            stage_row, names = found
            tag_buffer.extend((line, name) for name in dict.fromkeys(names))
            if len(tag_buffer) >= LOAD:
                tag_stage.load(tag_buffer)
                tag_buffer.clear()
            return [stage_row]

        readable = _stage_rows(stage, report, rows, staged)
        tag_stage.load(tag_buffer)
        if not readable:
            return report
        stage.ready("line", "external_id", "email_lower")
        tag_stage.ready("line")
        _check_staged_customers(stage, tag_stage, present, report)
        if dry_run or not report.ok:
            return _finish(report)
        _write(
            stage, report,
            lambda first, after: _write_customers(stage, tag_stage, present, first, after),
            progress,
        )  # fmt: skip
    return _finish(report)


# --- Orders -------------------------------------------------------------------------------

_ALLOWED_STATUS = {
    Order.Status.COMPLETED: {Order.Status.REFUNDED, Order.Status.CANCELLED},
}
_STATUSES = frozenset(Order.Status.values)
_CHANNELS = frozenset(Order.Channel.values)
_ORDER_STAGE = {
    "line": "integer", "external_id": "text", "customer_external_id": "text",
    "customer_email": "text", "placed_at": "timestamptz", "total": "numeric(12, 2)",
    "currency": "text", "status": "text", "channel": "text", "item_count": "integer",
    "first_day": "date", "customer_id": "bigint", "order_id": "bigint",
    "old_customer_id": "bigint", "old_total": "numeric(12, 2)", "old_status": "text",
    "old_placed_at": "timestamptz",
}  # fmt: skip
# A status change a later file may make (a completed order refunded or cancelled).
_STATUS_CHANGE_OK = " OR ".join(
    f"(old_status = '{old}' AND status IN ({', '.join(repr(str(n)) for n in sorted(new))}))"
    for old, new in _ALLOWED_STATUS.items()
)
# A batch of orders: all those of a range of customers, so a customer's row is updated
# once per import, whatever the file's order (each update rewrites every index entry).
_BATCH_LINES = "s.customer_id >= %s AND s.customer_id < %s"


class _Moments:
    """The range an order time must lie in, computed once per import (the row check
    calls `_check_moment` only for a time outside it, for its message)."""

    def __init__(self):
        self.first = _day_start(earliest_day())
        self.last = timezone.now()

    def check(self, moment: datetime.datetime) -> None:
        if not self.first <= moment <= self.last:
            _check_moment("placed_at", moment)


def _order_values(
    row: dict[str, str], line: int, report: ImportReport, moments: _Moments
) -> dict | None:
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
        moments.check(values["placed_at"])
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


def _check_staged_orders(stage: Stage, report: ImportReport) -> None:
    stage.ready()  # the updates below join by hash; indexes come after them
    _sql_errors(
        stage, report, _duplicates("external_id"), "external_id",
        _("This external id is in the file twice."),
    )  # fmt: skip
    stage.execute(
        """UPDATE {stage} SET customer_id = c.id FROM crm_customer c
            WHERE {stage}.customer_external_id <> ''
              AND c.external_id = {stage}.customer_external_id"""
    )
    stage.execute(
        """UPDATE {stage} SET customer_id = c.id FROM crm_customer c
            WHERE {stage}.customer_external_id = '' AND c.email <> ''
              AND lower(c.email) = {stage}.customer_email"""
    )
    _sql_errors(
        stage, report, "customer_id IS NULL AND customer_external_id <> ''",
        "customer_external_id", _("No customer has this external id."),
    )  # fmt: skip
    _sql_errors(
        stage, report, "customer_id IS NULL", "customer_email", _("No customer has this email.")
    )
    _sql_errors(
        stage,
        report,
        """customer_external_id <> '' AND customer_email <> '' AND NOT EXISTS (
               SELECT 1 FROM crm_customer c
                WHERE c.id = {stage}.customer_id AND lower(c.email) = {stage}.customer_email)""",
        "customer_email",
        _("The external id and the email name different customers."),
    )
    stage.execute(
        """UPDATE {stage} SET order_id = o.id, old_customer_id = o.customer_id,
                  old_total = o.total, old_status = o.status, old_placed_at = o.placed_at
             FROM crm_order o WHERE o.external_id = {stage}.external_id"""
    )
    stage.ready("line", "customer_id")
    _sql_errors(
        stage, report,
        "order_id IS NOT NULL AND (old_customer_id <> customer_id OR old_total <> total)",
        "external_id", _("This order was imported before for another customer or total."),
    )  # fmt: skip
    _sql_errors(
        stage,
        report,
        f"order_id IS NOT NULL AND status <> old_status AND NOT ({_STATUS_CHANGE_OK})",
        "status",
        lambda row: (
            _("The order is %(old)s; it cannot become %(new)s.") % {"old": row[1], "new": row[2]}
        ),
        select="line, old_status, status",
    )
    created, updated, rows = stage.rows(
        """SELECT SUM(CASE WHEN order_id IS NULL THEN 1 ELSE 0 END),
                  SUM(CASE WHEN order_id IS NOT NULL AND (status <> old_status
                                OR placed_at <> old_placed_at) THEN 1 ELSE 0 END),
                  COUNT(*)
             FROM {stage}"""
    )[0]
    report.created, report.updated = int(created or 0), int(updated or 0)  # PG: numeric
    report.unchanged = rows - report.created - report.updated


def _write_orders(stage: Stage, first: int, after: int, mode: str) -> None:
    """One batch, set-based: new orders, changed ones, customer_since, the figures."""
    now = db_value(timezone.now())
    lines = [first, after]
    stage.execute(
        f"""INSERT INTO crm_order (external_id, customer_id, placed_at, total, currency,
                status, channel, item_count, created_at, updated_at)
            SELECT s.external_id, s.customer_id, s.placed_at, s.total, s.currency, s.status,
                   s.channel, s.item_count, %s, %s
              FROM {{stage}} s WHERE {_BATCH_LINES} AND s.order_id IS NULL ORDER BY s.line""",
        [now, now, *lines],
    )
    differs = "(o.status <> s.status OR o.placed_at <> s.placed_at)"
    changed = stage.rows(
        f"""SELECT s.order_id, s.customer_id, s.status, o.status <> s.status
              FROM {{stage}} s JOIN crm_order o ON o.id = s.order_id
             WHERE {_BATCH_LINES} AND {differs}""",
        lines,
    )
    if changed:
        stage.execute(
            f"""UPDATE crm_order SET status = s.status, placed_at = s.placed_at, updated_at = %s
                  FROM {{stage}} s
                 WHERE crm_order.id = s.order_id AND {_BATCH_LINES}
                   AND {differs.replace("o.", "crm_order.")}""",
            [now, *lines],
        )
    # New completed orders add to the stored figures and keep customer_since no later
    # than the first completed order day (docs/metrics.md), in one row update each.
    stage.execute(
        f"""UPDATE crm_customer
               SET order_count = crm_customer.order_count + d.n,
                   revenue = crm_customer.revenue + d.total,
                   first_order_at = CASE WHEN crm_customer.first_order_at IS NULL
                        OR d.first < crm_customer.first_order_at THEN d.first
                        ELSE crm_customer.first_order_at END,
                   last_order_at = CASE WHEN crm_customer.last_order_at IS NULL
                        OR d.last > crm_customer.last_order_at THEN d.last
                        ELSE crm_customer.last_order_at END,
                   customer_since = CASE WHEN d.first_day < crm_customer.customer_since
                        THEN d.first_day ELSE crm_customer.customer_since END,
                   updated_at = %s
              FROM (SELECT s.customer_id, COUNT(*) AS n, SUM(s.total) AS total,
                           MIN(s.placed_at) AS first, MAX(s.placed_at) AS last,
                           MIN(s.first_day) AS first_day
                      FROM {{stage}} s
                     WHERE {_BATCH_LINES} AND s.order_id IS NULL AND s.status = 'completed'
                     GROUP BY s.customer_id) d
             WHERE crm_customer.id = d.customer_id""",
        [now, *lines],
    )
    # A stored order moved earlier may move customer_since too; its figures are recomputed.
    stage.execute(
        f"""UPDATE crm_customer SET customer_since = d.first_day, updated_at = %s
              FROM (SELECT s.customer_id, MIN(s.first_day) AS first_day FROM {{stage}} s
                     WHERE {_BATCH_LINES} AND s.order_id IS NOT NULL AND s.status = 'completed'
                     GROUP BY s.customer_id) d
             WHERE crm_customer.id = d.customer_id AND crm_customer.customer_since > d.first_day""",
        [now, *lines],
    )
    customer_figures_refresh(customer_ids={customer_id for _o, customer_id, _s, _c in changed})
    if mode != LIVE:
        return
    sent = stage.rows(
        f"""SELECT o.id, o.customer_id, o.status
              FROM {{stage}} s JOIN crm_order o ON o.external_id = s.external_id
             WHERE {_BATCH_LINES} AND s.order_id IS NULL ORDER BY s.line""",
        lines,
    )
    sent += [(order_id, customer_id, status) for order_id, customer_id, status, moved in changed
             if moved]  # fmt: skip
    events = {
        Order.Status.COMPLETED: signals.order_completed,
        Order.Status.REFUNDED: signals.order_refunded,
        Order.Status.CANCELLED: signals.order_cancelled,
    }

    def send():
        for order_id, customer_id, status in sent:
            events[status].send(sender=Order, order_id=order_id, customer_id=customer_id)

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
    report = ImportReport(kind="orders", dry_run=dry_run)
    opened = _open(
        stream, report, columns=ORDER_COLUMNS,
        required=[["external_id"], ["customer_external_id", "customer_email"], ["placed_at"],
                  ["total"]],
        encoding=encoding, delimiter=delimiter, mapping=mapping,
    )  # fmt: skip
    if opened is None:
        return report
    moments = _Moments()

    def staged(line: int, row: dict[str, str]) -> list[tuple]:
        v = _order_values(row, line, report, moments)
        if v is None:
            return []
        return [(
            line, v["external_id"], v["customer_external_id"], v["customer_email"],
            v["placed_at"], v["total"], v["currency"], v["status"], v["channel"],
            v["item_count"], _business_day(v["placed_at"]),
            None, None, None, None, None, None,
        )]  # fmt: skip

    with Stage("crm_import_orders", _ORDER_STAGE) as stage:
        if not _stage_rows(stage, report, opened[1], staged):
            return report
        _check_staged_orders(stage, report)
        if dry_run or not report.ok:
            return _finish(report)
        _write(
            stage, report, lambda first, after: _write_orders(stage, first, after, mode),
            progress, key="customer_id",
        )  # fmt: skip
    return _finish(report)
