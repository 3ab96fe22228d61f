"""Rules every crm write shares: date ranges, the business day, row locks."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from crm.models import Customer, Tag

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


def _business_day(moment: datetime.datetime) -> datetime.date:
    """The business day (setting TIME_ZONE) of an instant."""
    return timezone.localdate(moment, timezone.get_default_timezone())


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
