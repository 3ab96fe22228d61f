"""Writes to customer data. Views, the API, imports and tasks all call these.

Each service validates its input completely before it writes, runs in one
transaction, and raises Django's ValidationError (with field names) or
ApplicationError; nothing is written when it raises.
"""

import datetime
import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from config.validation import is_blank
from crm import signals
from crm.models import Customer, Interaction, Order, Tag

# Fields a customer update may change; anything else is refused, not ignored.
CUSTOMER_FIELDS = {
    "external_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "language",
    "country",
    "customer_since",
    "closed_on",
    "owner",
    "email_consent",
    "email_consent_at",
    "sms_consent",
    "sms_consent_at",
    "attributes",
}
_ALLOWED_STATUS_CHANGES = {
    Order.Status.COMPLETED: {Order.Status.REFUNDED, Order.Status.CANCELLED},
}
_STATUS_SIGNALS = {
    Order.Status.COMPLETED: signals.order_completed,
    Order.Status.REFUNDED: signals.order_refunded,
    Order.Status.CANCELLED: signals.order_cancelled,
}


def _normalise_phone(raw: Any, country: str) -> str:
    """A phone number in E.164; local numbers are read in the customer's country."""
    if raw in (None, ""):
        return ""
    region = (str(country) or settings.PHONENUMBER_DEFAULT_REGION).upper()
    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError({"phone": _("Enter a valid phone number, e.g. +371 2000 0000.")})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


CONSENT_FIELDS = {"email_consent", "email_consent_at", "sms_consent", "sms_consent_at"}

# Limits of `Customer.attributes`, free-form data from shops and imports: enough for a
# few dozen facts, never megabytes on every profile and list row.
ATTRIBUTES_MAX_BYTES = 8 * 1024
ATTRIBUTES_MAX_KEYS = 50
ATTRIBUTES_MAX_DEPTH = 3
ATTRIBUTES_MAX_KEY_LENGTH = 100
INTERACTION_BODY_MAX_LENGTH = 20_000
# Clocks of shops and phones run a little ahead; a time this far ahead is still "now".
CLOCK_SKEW = datetime.timedelta(minutes=5)


def earliest_day() -> datetime.date:
    """The first day an order, interaction or acquisition may have (setting EARLIEST_YEAR)."""
    return datetime.date(settings.EARLIEST_YEAR, 1, 1)


def _check_day(field: str, day: datetime.date | None, *, first: datetime.date | None = None):
    """A date from `first` (default: earliest_day()) to today in the business time zone."""
    if day is None:
        return
    first = first or earliest_day()
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    if day > today:
        raise ValidationError({field: _("The date cannot be in the future.")})
    if day < first:
        raise ValidationError(
            {
                field: _("Enter a date on or after %(first)s.")
                % {"first": formats.date_format(first, "DATE_FORMAT")}
            }
        )


def _check_moment(field: str, moment: datetime.datetime | None) -> None:
    """An aware time from the start of EARLIEST_YEAR (business time zone) to now."""
    if moment is None:
        return
    if not isinstance(moment, datetime.datetime) or timezone.is_naive(moment):
        raise ValidationError({field: _("Give the time with its time zone.")})
    first = earliest_day()
    if moment > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: _("The time cannot be in the future.")})
    if moment < _day_start(first):
        raise ValidationError(
            {
                field: _("Enter a time on or after %(first)s.")
                % {"first": formats.date_format(first, "DATE_FORMAT")}
            }
        )


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def _check_attributes(value: Any) -> None:
    """Free-form attributes: a JSON object within the size, key and depth limits, which
    hold at every level, and no NUL character (PostgreSQL cannot store one)."""

    def refuse(message: str):
        raise ValidationError({"attributes": message})

    if not isinstance(value, dict):
        refuse(_("Attributes must be an object of named values."))
    stack = [(value, 1)]
    while stack:  # iterative: a hostile document cannot exhaust the stack
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                refuse(_("Attributes cannot contain the NUL character."))
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > ATTRIBUTES_MAX_DEPTH:
            refuse(_("Attributes nest at most %(n)s levels deep.") % {"n": ATTRIBUTES_MAX_DEPTH})
        if isinstance(item, dict):
            if len(item) > ATTRIBUTES_MAX_KEYS:
                refuse(_("At most %(n)s attributes in one object.") % {"n": ATTRIBUTES_MAX_KEYS})
            for key in item:
                if len(str(key)) > ATTRIBUTES_MAX_KEY_LENGTH:
                    refuse(
                        _("Attribute names have at most %(n)s characters.")
                        % {"n": ATTRIBUTES_MAX_KEY_LENGTH}
                    )
                if "\x00" in str(key):
                    refuse(_("Attributes cannot contain the NUL character."))
            stack.extend((child, depth + 1) for child in item.values())
        else:
            stack.extend((child, depth + 1) for child in item)
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode())
    except (TypeError, ValueError):
        refuse(_("Attributes must be plain JSON values."))
    if size > ATTRIBUTES_MAX_BYTES:
        refuse(
            _("Attributes take at most %(kb)s KB; these take %(size)s KB.")
            % {"kb": ATTRIBUTES_MAX_BYTES // 1024, "size": -(-size // 1024)}
        )


def _check_known_fields(data: dict[str, Any]) -> None:
    unknown = set(data) - CUSTOMER_FIELDS
    if unknown:
        raise ApplicationError(
            "unknown_fields", _("Unknown fields."), {f: [_("Unknown field.")] for f in unknown}
        )


def _apply_consent(customer: Customer, data: dict, now: datetime.datetime) -> list[str]:
    """Giving consent stamps its time (unless an import gives one); withdrawing clears it.

    A time alone corrects the stamp of consent already given; a time for consent that
    is not given, or clearing the time of consent that stays given, is refused rather
    than dropped. Returns the fields it set (only the channels `data` speaks of).
    """
    touched = []
    for channel in ("email", "sms"):
        flag, stamp = f"{channel}_consent", f"{channel}_consent_at"
        if flag not in data and stamp not in data:
            continue
        was_given = getattr(customer, flag)
        given = bool(data[flag]) if flag in data else was_given
        new_stamp = data.get(stamp)
        if not given and new_stamp:
            raise ValidationError({stamp: _("A consent time needs the consent itself.")})
        if given and was_given and flag not in data and stamp in data and new_stamp is None:
            raise ValidationError(
                {stamp: _("Given consent keeps its time; withdraw the consent to clear it.")}
            )
        setattr(customer, flag, given)
        if given:
            kept = getattr(customer, stamp) if was_given else None
            setattr(customer, stamp, new_stamp or kept or now)
        else:
            setattr(customer, stamp, None)
        touched += [flag, stamp]
    return touched


def _validate_customer(customer: Customer, changed: set[str] | None = None) -> None:
    """The rules every customer write keeps, on create and on update alike.

    Date ranges and attribute limits are checked for the fields being written
    (`changed`; None means all, as on create), so a value stored before a limit
    changed never blocks editing something else, and can itself be corrected.
    """

    def writing(field: str) -> bool:
        return changed is None or field in changed

    if all(
        is_blank(value)
        for value in (customer.first_name, customer.last_name, customer.email, customer.company)
    ):
        raise ValidationError(_("Give at least a name, an email or a company."))
    if writing("customer_since"):
        _check_day("customer_since", customer.customer_since)
    since, closed = customer.customer_since, customer.closed_on
    if since and closed and closed < since:
        raise ValidationError(
            {"closed_on": _("The closing date cannot be before the customer since date.")}
        )
    if writing("closed_on"):
        _check_day("closed_on", closed, first=since)
    for field in ("email_consent_at", "sms_consent_at"):
        if writing(field):
            _check_moment(field, getattr(customer, field))
    if writing("attributes"):
        _check_attributes(customer.attributes)


def _save_customer(customer: Customer, *, update_fields: list[str] | None = None) -> None:
    _validate_customer(customer, set(update_fields) if update_fields is not None else None)
    # The case-insensitive unique constraint reports no field; say which one.
    if (
        customer.email
        and Customer.objects.filter(email__iexact=customer.email).exclude(pk=customer.pk).exists()
    ):
        raise ValidationError({"email": _("A customer with this email already exists.")})
    customer.full_clean()
    try:
        with transaction.atomic():
            customer.save(update_fields=update_fields)
    except IntegrityError as exc:
        # Two requests raced past full_clean(); report it like the check would.
        raise ValidationError(
            {"email": _("A customer with this email or external id already exists.")}
        ) from exc


def _check_since_not_after_first_order(customer: Customer) -> None:
    """docs/metrics.md: a customer is acquired no later than the first completed order day."""
    first = (
        Order.objects.filter(customer=customer, status=Order.Status.COMPLETED)
        .order_by("placed_at")
        .values_list("placed_at", flat=True)
        .first()
    )
    if first is not None and customer.customer_since > _business_day(first):
        raise ValidationError(
            {
                "customer_since": _(
                    "The first order was placed on %(day)s; the customer cannot be acquired later."
                )
                % {"day": _business_day(first).isoformat()}
            }
        )


def _business_day(moment: datetime.datetime) -> datetime.date:
    """The business day (setting TIME_ZONE) of an instant."""
    return timezone.localdate(moment, timezone.get_default_timezone())


@transaction.atomic
def customer_create(*, data: dict[str, Any], tags: Iterable[Tag] = ()) -> Customer:
    """Create a customer from validated-or-raw field values.

    `data` keys are Customer field names (see CUSTOMER_FIELDS). The phone is
    normalised to E.164, the email is unique regardless of case, and consent
    flags given as true are stamped with the current time.
    """
    _check_known_fields(data)
    now = timezone.now()
    values = {k: v for k, v in data.items() if k not in CONSENT_FIELDS}
    customer = Customer(**values)
    customer.email = (customer.email or "").strip()
    customer.external_id = (customer.external_id or "").strip() or None
    customer.phone = _normalise_phone(data.get("phone"), data.get("country") or "")
    if customer.customer_since is None:
        customer.customer_since = _business_day(now)
    _apply_consent(customer, {"email_consent": False, "sms_consent": False, **data}, now)
    _save_customer(customer)
    if tags:
        customer.tags.set(_locked_tags(tags))
    return customer


@transaction.atomic
def customer_update(
    *, customer: Customer, data: dict[str, Any], tags: Iterable[Tag] | None = None
) -> Customer:
    """Change the given fields of a customer (and, if given, replace its tags).

    Fields not in `data` keep their values. The row is locked for the update
    so two edits cannot interleave.
    """
    _check_known_fields(data)
    customer = _locked_customer(customer.pk)
    changed = []
    for field, value in data.items():
        if field in CONSENT_FIELDS:
            continue
        if field == "phone":
            value = _normalise_phone(value, data.get("country", customer.country) or "")
        elif field == "external_id":
            value = (value or "").strip() or None
        elif field == "email":
            value = (value or "").strip()
        setattr(customer, field, value)
        changed.append(field)
    if "customer_since" in data:
        _check_since_not_after_first_order(customer)
    if CONSENT_FIELDS & set(data):
        changed += _apply_consent(customer, data, timezone.now())
    if changed:
        _save_customer(customer, update_fields=sorted(set(changed)) + ["updated_at"])
    if tags is not None:
        customer.tags.set(_locked_tags(tags))
    return customer


def _locked_customer(pk: int) -> Customer:
    """The customer row, locked for this transaction; a 404 when another request
    deleted it meanwhile."""
    try:
        return Customer.objects.select_for_update().get(pk=pk)
    except Customer.DoesNotExist:
        raise ApplicationError(
            "not_found", _("This customer no longer exists."), status_code=404
        ) from None


def _locked_tags(tags: Iterable[Tag]) -> list[Tag]:
    """The given tags, locked so a concurrent tag_delete waits; refused when one of
    them was deleted meanwhile (it would break the link rows' foreign key)."""
    wanted = {tag.pk for tag in tags}
    locked = list(Tag.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    if len(locked) != len(wanted):
        raise ValidationError({"tags": _("A tag was deleted meanwhile; reload and try again.")})
    return locked


def _parse_total(value: Any) -> Decimal:
    try:
        total = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"total": _("Enter an amount such as 19.99.")}) from None
    if not total.is_finite() or total < 0:
        raise ValidationError({"total": _("The total cannot be negative.")})
    if total == 0:
        total = Decimal("0.00")  # never "-0.00"
    if total != total.quantize(Decimal("0.01")):
        raise ValidationError({"total": _("Use at most two decimal places.")})
    return total


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    """Delete a customer with its timeline; one with orders is refused (close it instead).

    Orders are revenue history that metrics depend on, so they are never
    deleted as a side effect.
    """
    # The lock makes a concurrent order_record (which locks the same row) wait or win.
    customer = _locked_customer(customer.pk)
    if Order.objects.filter(customer=customer).exists():
        raise ApplicationError(
            "customer_has_orders",
            _("This customer has orders and cannot be deleted; set a closing date instead."),
            status_code=409,
        )
    customer.delete()


# Contact fields a merge copies from the duplicate where the survivor has none.
_MERGE_FILL = ("first_name", "last_name", "email", "phone", "company", "country", "external_id")


@transaction.atomic
def customer_merge(*, survivor: Customer, duplicate: Customer, author) -> Customer:
    """Merge a duplicate customer into the survivor and delete the duplicate.

    Orders and interactions move to the survivor (higher apps move their own rows
    when they receive `customers_merged`, sent after commit with `survivor_id` and
    `merged_id`). The survivor keeps its own values; empty contact fields take the
    duplicate's; tags are united; `customer_since` is the earlier of the two;
    consent stays given where either gave it, with the earlier time. The merge is
    recorded as an internal note on the survivor. Both rows are locked, lower id
    first, so two merges of the same pair cannot interleave.
    """
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("Choose another customer to merge.")})
    first, second = sorted([survivor.pk, duplicate.pk])
    locked = {pk: _locked_customer(pk) for pk in (first, second)}
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    moved_orders = Order.objects.filter(customer=duplicate).update(
        customer=survivor, updated_at=timezone.now()
    )
    moved_notes = Interaction.objects.filter(customer=duplicate).update(customer=survivor)
    tags = set(survivor.tags.all()) | set(duplicate.tags.all())
    merged_id = duplicate.pk
    gone = f"{duplicate.display_name} (#{merged_id}, {duplicate.email or '—'})"
    taken = {name: getattr(duplicate, name) for name in _MERGE_FILL}
    consent = {
        name: getattr(duplicate, name)
        for name in ("email_consent", "email_consent_at", "sms_consent", "sms_consent_at")
    }
    since = min(survivor.customer_since, duplicate.customer_since)
    duplicate.delete()  # first: its email and external id are unique
    changed = ["customer_since"]
    survivor.customer_since = since
    for name, value in taken.items():
        if value and not getattr(survivor, name):
            setattr(survivor, name, value)
            changed.append(name)
    for channel in ("email", "sms"):
        flag, stamp = f"{channel}_consent", f"{channel}_consent_at"
        if consent[flag]:
            times = [t for t in (getattr(survivor, stamp), consent[stamp]) if t]
            setattr(survivor, flag, True)
            setattr(survivor, stamp, min(times))
            changed += [flag, stamp]
    if survivor.closed_on and survivor.closed_on < survivor.customer_since:
        survivor.closed_on = survivor.customer_since
        changed.append("closed_on")
    _save_customer(survivor, update_fields=sorted(set(changed)) + ["updated_at"])
    survivor.tags.set(_locked_tags(tags))
    Interaction.objects.create(
        customer=survivor,
        author=author,
        kind=Interaction.Kind.NOTE,
        direction=Interaction.Direction.INTERNAL,
        subject=_("Merged a duplicate customer"),
        body=_(
            "%(gone)s was merged into this customer: %(orders)s orders and %(notes)s "
            "notes, calls or emails moved here."
        )
        % {"gone": gone, "orders": moved_orders, "notes": moved_notes},
    )
    survivor_id = survivor.pk
    transaction.on_commit(
        lambda: signals.customers_merged.send(
            sender=Customer, survivor_id=survivor_id, merged_id=merged_id
        )
    )
    return survivor


@transaction.atomic
def order_record(
    *,
    customer: Customer,
    external_id: str,
    placed_at: datetime.datetime,
    total: Decimal | str,
    currency: str | None = None,
    status: str = Order.Status.COMPLETED,
    channel: str = Order.Channel.WEB,
    item_count: int = 1,
) -> Order:
    """Record an order and keep `customer_since` true (docs/metrics.md).

    A completed order placed on a business day before `customer_since` moves it
    to that day. Totals are Decimal in the account currency (setting CURRENCY);
    another currency is refused rather than silently mixed into revenue.
    After commit, a completed order sends `order_completed`.
    """
    if placed_at is None:
        raise ValidationError({"placed_at": _("Give the time the order was placed.")})
    _check_moment("placed_at", placed_at)
    currency = (currency or settings.CURRENCY).upper()
    if currency != settings.CURRENCY:
        raise ValidationError(
            {
                "currency": _("Orders must be in the account currency (%(currency)s).")
                % {"currency": settings.CURRENCY}
            }
        )
    try:
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
    except Customer.DoesNotExist:
        raise ValidationError({"customer": _("This customer no longer exists.")}) from None
    order = Order(
        customer=customer,
        external_id=(external_id or "").strip(),
        placed_at=placed_at,
        total=_parse_total(total),
        currency=currency,
        status=status,
        channel=channel,
        item_count=item_count,
    )
    order.full_clean()
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"external_id": _("An order with this external id already exists.")}
        ) from exc

    if order.status == Order.Status.COMPLETED:
        _move_customer_since_to(customer.pk, _business_day(placed_at))
        _send_on_commit(signals.order_completed, order)
    return order


@transaction.atomic
def order_update(
    *, order: Order, status: str | None = None, placed_at: datetime.datetime | None = None
) -> Order:
    """Correct when an order was placed, and/or refund or cancel it, in one transaction.

    A corrected `placed_at` keeps the same range as recording (EARLIEST_YEAR to
    now); a completed order moved before `customer_since` moves it earlier, as
    recording does. It never moves `customer_since` later by itself: whether the
    acquisition came from this order only staff know, and once the order is
    corrected they may set `customer_since` up to the first order day.
    After commit sends `order_corrected` (with `previous_placed_at`) and
    `order_refunded`/`order_cancelled`. Unchanged values are no-ops.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if placed_at is not None and placed_at != order.placed_at:
        _check_moment("placed_at", placed_at)
        previous = order.placed_at
        order.placed_at = placed_at
        order.save(update_fields=["placed_at", "updated_at"])
        if order.status == Order.Status.COMPLETED:
            _move_customer_since_to(order.customer_id, _business_day(placed_at))
        order_id, customer_id = order.pk, order.customer_id
        transaction.on_commit(
            lambda: signals.order_corrected.send(
                sender=Order,
                order_id=order_id,
                customer_id=customer_id,
                previous_placed_at=previous,
            )
        )
    if status is not None and status != order.status:
        if status not in _ALLOWED_STATUS_CHANGES.get(order.status, set()):
            raise ApplicationError(
                "invalid_status_change",
                _("The order is %(old)s; it cannot become %(new)s.")
                % {
                    "old": Order.Status(order.status).label.lower(),
                    "new": Order.Status(status).label.lower(),
                },
                {"status": [_("Only a completed order can be refunded or cancelled.")]},
            )
        order.status = status
        order.save(update_fields=["status", "updated_at"])
        _send_on_commit(_STATUS_SIGNALS[status], order)
    return order


def order_status_set(*, order: Order, status: str) -> Order:
    """Refund or cancel a completed order; any other change is refused.

    Sends `order_refunded` or `order_cancelled` after commit. Setting the
    status an order already has is a no-op and sends nothing (idempotent).
    """
    return order_update(order=order, status=status)


def _move_customer_since_to(customer_id: int, day: datetime.date) -> None:
    """docs/metrics.md: an order day before `customer_since` moves it to that day."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if day < customer.customer_since:
        customer.customer_since = day
        customer.save(update_fields=["customer_since", "updated_at"])


def _send_on_commit(signal, order: Order) -> None:
    order_id, customer_id = order.pk, order.customer_id
    transaction.on_commit(
        lambda: signal.send(sender=Order, order_id=order_id, customer_id=customer_id)
    )


@transaction.atomic
def interaction_create(
    *,
    customer: Customer,
    author,
    kind: str = Interaction.Kind.NOTE,
    direction: str = Interaction.Direction.INTERNAL,
    subject: str = "",
    body: str = "",
    occurred_at: datetime.datetime | None = None,
) -> Interaction:
    """Add an entry to a customer's timeline (a note, call, email, chat or meeting)."""
    subject, body = (subject or "").strip(), (body or "").strip()
    if is_blank(subject) and is_blank(body):
        raise ValidationError({"body": _("Write something: a subject or a text.")})
    if len(body) > INTERACTION_BODY_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("Keep the text under %(n)s characters.")
                % {"n": f"{INTERACTION_BODY_MAX_LENGTH:,}"}
            }
        )
    _check_moment("occurred_at", occurred_at)
    # Locked so a concurrent customer_delete cannot leave this row without its customer.
    customer = _locked_customer(customer.pk)
    interaction = Interaction(
        customer=customer,
        author=author,
        kind=kind,
        direction=direction,
        subject=subject,
        body=body,
        occurred_at=occurred_at or timezone.now(),
    )
    interaction.full_clean()
    interaction.save()
    return interaction


def _check_tag_name_free(tag: Tag) -> None:
    if is_blank(tag.name):
        raise ValidationError({"name": _("Give the tag a name.")})
    if tag.name and Tag.objects.filter(name__iexact=tag.name).exclude(pk=tag.pk).exists():
        raise ValidationError({"name": _("A tag with this name already exists.")})


@transaction.atomic
def tag_create(*, name: str, color: str = "secondary") -> Tag:
    """Create a tag; names are unique regardless of case."""
    tag = Tag(name=(name or "").strip(), color=color or "secondary")
    _check_tag_name_free(tag)
    tag.full_clean()
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError as exc:
        raise ValidationError({"name": _("A tag with this name already exists.")}) from exc
    return tag


@transaction.atomic
def tag_update(*, tag: Tag, name: str | None = None, color: str | None = None) -> Tag:
    """Rename or recolour a tag."""
    try:
        tag = Tag.objects.select_for_update().get(pk=tag.pk)
    except Tag.DoesNotExist:
        raise ApplicationError(
            "not_found", _("This tag no longer exists."), status_code=404
        ) from None
    if name is not None:
        tag.name = name.strip()
    if color is not None:
        tag.color = color
    _check_tag_name_free(tag)
    tag.full_clean()
    try:
        with transaction.atomic():
            tag.save(update_fields=["name", "color"])
    except IntegrityError as exc:
        raise ValidationError({"name": _("A tag with this name already exists.")}) from exc
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    """Delete a tag; customers keep everything but the tag.

    The row is locked first, so a customer update adding this tag either finishes
    before (and its link is deleted too) or finds the tag gone.
    """
    locked = Tag.objects.select_for_update().filter(pk=tag.pk).first()
    if locked is not None:
        locked.delete()
