"""Calendar periods: day, ISO week, month, quarter, year, and the trailing 30 and 90
days of the survey metrics (docs/metrics.md "Periods").

A period is a pair of business days, both counted. A period that has not finished
runs to the as-of day ("to date"); its key stays its first day, so the run on its
last day writes its final figures over the to-date ones.
"""

import datetime
from dataclasses import dataclass

CALENDAR_TYPES = ("day", "week", "month", "quarter", "year")
TRAILING_TYPES = ("trailing30", "trailing90")
ALL_TYPES = CALENDAR_TYPES + TRAILING_TYPES
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    type: str
    start: datetime.date
    end: datetime.date  # the last day counted (the as-of day while the period runs)

    @property
    def before(self) -> datetime.date:
        """The day before the period: S is counted at its end."""
        return self.start - ONE_DAY

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_add(month: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(earlier: datetime.date, later: datetime.date) -> int:
    """Calendar months from one day's month to a later one's."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def period_start(period_type: str, day: datetime.date) -> datetime.date:
    """The first day of the calendar period of `period_type` that holds `day`."""
    if period_type == "day":
        return day
    if period_type == "week":
        return day - datetime.timedelta(days=day.weekday())  # ISO weeks start on Monday
    if period_type == "month":
        return day.replace(day=1)
    if period_type == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    if period_type == "year":
        return day.replace(month=1, day=1)
    if period_type == "trailing30":
        return day - datetime.timedelta(days=29)
    if period_type == "trailing90":
        return day - datetime.timedelta(days=89)
    raise ValueError(f"unknown period type {period_type!r}")


def period_last_day(period_type: str, start: datetime.date) -> datetime.date:
    """The last day of the calendar period that starts on `start`."""
    if period_type == "day":
        return start
    if period_type == "week":
        return start + datetime.timedelta(days=6)
    if period_type in ("month", "quarter", "year"):
        months = {"month": 1, "quarter": 3, "year": 12}[period_type]
        return month_add(start, months) - ONE_DAY
    if period_type == "trailing30":
        return start + datetime.timedelta(days=29)
    if period_type == "trailing90":
        return start + datetime.timedelta(days=89)
    raise ValueError(f"unknown period type {period_type!r}")


def period_of(period_type: str, day: datetime.date, *, as_of: datetime.date) -> Period:
    """The period of `period_type` holding `day`, cut at `as_of`."""
    start = period_start(period_type, day)
    return Period(period_type, start, min(period_last_day(period_type, start), as_of))


def periods_ending_in(
    first_day: datetime.date, last_day: datetime.date, *, as_of: datetime.date
) -> list[Period]:
    """Every period whose last counted day (cut at `as_of`) lies in [first_day, last_day]:
    one step of a run. For `first_day == last_day == as_of`, the nightly set."""
    found = set()
    for period_type in CALENDAR_TYPES:
        day = first_day
        while day <= last_day:
            period = period_of(period_type, day, as_of=as_of)
            if first_day <= period.end <= last_day:
                found.add(period)
            day = period_last_day(period_type, period.start) + ONE_DAY
    day = first_day
    while day <= last_day:
        for period_type in TRAILING_TYPES:
            found.add(Period(period_type, period_start(period_type, day), day))
        day += ONE_DAY
    return sorted(found, key=lambda p: (ALL_TYPES.index(p.type), p.start))
