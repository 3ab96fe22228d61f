"""Customer writes: create, update, delete, merge."""

import datetime
import json
from collections.abc import Iterable
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from config.validation import is_blank
from crm import signals
from crm.extensions import customer_records
from crm.models import Case, Customer, Interaction, Order, Tag
from crm.selectors.customers import customers_by_email
from crm.services.orders import customer_figures_refresh
from crm.services.rules import (
    _business_day,
    _check_day,
    _check_moment,
    _locked_customer,
    _locked_tags,
)

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
    "birthday",
    "customer_since",
    "closed_on",
    "owner",
    "email_consent",
    "email_consent_at",
    "sms_consent",
    "sms_consent_at",
    "attributes",
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
    if writing("birthday"):
        _check_day("birthday", customer.birthday, first=datetime.date(1900, 1, 1))
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
    if customer.email and customers_by_email(customer.email).exclude(pk=customer.pk).exists():
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


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    """Delete a customer with its timeline; one with orders is refused (close it instead).

    Orders are revenue history that metrics depend on, so they are never
    deleted as a side effect.
    """
    # The lock makes a concurrent order_record (which locks the same row) wait or win.
    customer = _locked_customer(customer.pk)
    for records in customer_records():
        message = records.blocks_delete and records.blocks_delete(customer=customer)
        if message:
            raise ApplicationError(f"customer_has_{records.key}", message, status_code=409)
    customer.delete()


# Contact fields a merge copies from the duplicate where the survivor has none.
_MERGE_FILL = ("first_name", "last_name", "email", "phone", "company", "country", "external_id")


@transaction.atomic
def customer_merge(*, survivor: Customer, duplicate: Customer, author) -> Customer:
    """Merge a duplicate customer into the survivor and delete the duplicate.

    Orders, cases and interactions move to the survivor (higher apps move their own rows
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
    moved_cases = Case.objects.filter(customer=duplicate).update(
        customer=survivor, updated_at=timezone.now()
    )
    tags = set(survivor.tags.all()) | set(duplicate.tags.all())
    merged_id = duplicate.pk
    gone = f"{duplicate.display_name} (#{merged_id}, {duplicate.email or '—'})"
    taken = {name: getattr(duplicate, name) for name in _MERGE_FILL}
    consent = {
        name: getattr(duplicate, name)
        for name in ("email_consent", "email_consent_at", "sms_consent", "sms_consent_at")
    }
    since = min(survivor.customer_since, duplicate.customer_since)
    for records in customer_records():
        if records.merge:
            records.merge(survivor=survivor, duplicate=duplicate)
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
    customer_figures_refresh(customer_ids=[survivor.pk])
    Interaction.objects.create(
        customer=survivor,
        author=author,
        kind=Interaction.Kind.NOTE,
        direction=Interaction.Direction.INTERNAL,
        subject=_("Merged a duplicate customer"),
        body=_(
            "%(gone)s was merged into this customer: %(orders)s orders, %(cases)s cases "
            "and %(notes)s notes, calls or emails moved here."
        )
        % {"gone": gone, "orders": moved_orders, "cases": moved_cases, "notes": moved_notes},
    )
    survivor_id = survivor.pk
    transaction.on_commit(
        lambda: signals.customers_merged.send(
            sender=Customer, survivor_id=survivor_id, merged_id=merged_id
        )
    )
    return survivor
