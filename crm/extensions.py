"""Extension points of the customer profile: panels, timeline sources, quick searches,
cards on the case page, and the records higher apps keep about a customer (merges and
deletes).

crm shows on its profile what higher apps know about a customer (a loyalty balance,
survey answers, churn risk) without importing them, not even by a string name. Each
app registers small records from its own `AppConfig.ready()`:

    from crm.extensions import ProfilePanel, TimelineSource, panel_register, ...

    panel_register(ProfilePanel(key="loyalty", label=_("Loyalty"), ...))
    timeline_source_register(TimelineSource(kind="points", label=_("Points"), ...))
    quick_search_register(QuickSearch(key="cases", label=_("Cases"), ...))

crm registers its own panels and sources the same way (`crm/profile.py`), so the
mechanism is in real use from the start. The registry never imports a contributor.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a customer, drawn by its source's template."""

    kind: str
    at: datetime.datetime
    item: Any
    template: str


@dataclass(frozen=True)
class TimelineSource:
    """One kind of timeline entry (orders, notes, cases, ...).

    `fetch(customer, start, end, limit)` returns that customer's entries with
    `start < at <= end` (either bound may be None), newest first, at most `limit`
    of them (None: all), in a fixed number of queries whatever the history's length.
    Entries are shown to users with `permission` (one name or a tuple of names, all
    needed; None: everyone who sees the profile).
    """

    kind: str
    label: Any  # a lazy translation
    fetch: Callable[..., list[TimelineEntry]]
    permission: str | tuple[str, ...] | None = None
    order: int = 100


@dataclass(frozen=True)
class ProfilePanel:
    """A card on the customer profile.

    `load(customer, user)` returns the template's context, or None to hide the panel
    for this customer and user, in a fixed number of queries. `column` is "side"
    (beside the timeline) or "main" (above it); panels sort by `order`, then key.
    """

    key: str
    label: Any
    template: str
    load: Callable[..., dict | None]
    permission: str | None = None
    column: str = "side"
    order: int = 100


@dataclass(frozen=True)
class QuickResult:
    """One hit of the top bar's quick search: what it is, a second line, where it goes."""

    title: str
    detail: str
    url: str
    kind: str


@dataclass(frozen=True)
class QuickSearch:
    """One kind of record the top bar finds (customers, cases, ...).

    `search(text, user, limit)` returns at most `limit` QuickResults for `text`, in
    one query; shown to users with `permission`.
    """

    key: str
    label: Any
    search: Callable[..., list[QuickResult]]
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class CasePanel:
    """A card beside a support case (the survey answer behind it, ...).

    `load(case, user)` returns the template's context, or None to hide the card for this
    case and user, in a fixed number of queries; cards sort by `order`, then key.
    """

    key: str
    label: Any
    template: str
    load: Callable[..., dict | None]
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class CustomerRecords:
    """Rows an app keeps about each customer, which merges and deletes must respect.

    `merge(survivor=, duplicate=)` runs inside customer_merge's transaction, with both
    customer rows locked, before the duplicate is deleted: it moves or combines the
    app's rows. `blocks_delete(customer=)` returns a message when the customer must not
    be deleted because of those rows (they are history), else None; the refusal's code is
    `customer_has_<key>`. Either may be None.
    """

    key: str
    merge: Callable[..., None] | None = None
    blocks_delete: Callable[..., str | None] | None = None


_panels: dict[str, ProfilePanel] = {}
_sources: dict[str, TimelineSource] = {}
_searches: dict[str, QuickSearch] = {}
_records: dict[str, CustomerRecords] = {}
_case_panels: dict[str, CasePanel] = {}


def panel_register(panel: ProfilePanel) -> None:
    """Add a profile panel; a second panel with the same key is a programming error."""
    if panel.column not in ("side", "main"):
        raise ImproperlyConfigured(f"Profile panel {panel.key!r}: column must be side or main.")
    if panel.key in _panels and _panels[panel.key] != panel:
        raise ImproperlyConfigured(f"A profile panel {panel.key!r} is registered already.")
    _panels[panel.key] = panel


def timeline_source_register(source: TimelineSource) -> None:
    """Add a timeline source; a second source of the same kind is a programming error."""
    if source.kind in _sources and _sources[source.kind] != source:
        raise ImproperlyConfigured(f"A timeline source {source.kind!r} is registered already.")
    _sources[source.kind] = source


def quick_search_register(search: QuickSearch) -> None:
    """Add a kind of record to the top bar's quick search."""
    if search.key in _searches and _searches[search.key] != search:
        raise ImproperlyConfigured(f"A quick search {search.key!r} is registered already.")
    _searches[search.key] = search


def case_panel_register(panel: CasePanel) -> None:
    """Add a card to the case page; a second card with the same key is a programming error."""
    if panel.key in _case_panels and _case_panels[panel.key] != panel:
        raise ImproperlyConfigured(f"A case panel {panel.key!r} is registered already.")
    _case_panels[panel.key] = panel


def case_panels_for(*, user) -> list[CasePanel]:
    """The case cards this user may see, in display order."""
    visible = [p for p in _case_panels.values() if _allowed(user, p.permission)]
    return sorted(visible, key=lambda p: (p.order, p.key))


def customer_records_register(records: CustomerRecords) -> None:
    """Add a kind of per-customer rows that merges move and deletes respect."""
    if records.key in _records and _records[records.key] != records:
        raise ImproperlyConfigured(f"Customer records {records.key!r} are registered already.")
    _records[records.key] = records


def customer_records() -> list[CustomerRecords]:
    """Every registered kind of per-customer rows, by key."""
    return [_records[key] for key in sorted(_records)]


def _allowed(user, permission: str | tuple[str, ...] | None) -> bool:
    if permission is None:
        return True
    needed = (permission,) if isinstance(permission, str) else permission
    return user.has_perms(needed)


def panels_for(*, user) -> list[ProfilePanel]:
    """The panels this user may see, in display order."""
    visible = [p for p in _panels.values() if _allowed(user, p.permission)]
    return sorted(visible, key=lambda p: (p.order, p.key))


def timeline_sources_for(*, user) -> list[TimelineSource]:
    """The timeline sources this user may see, in filter-menu order."""
    visible = [s for s in _sources.values() if _allowed(user, s.permission)]
    return sorted(visible, key=lambda s: (s.order, s.kind))


def quick_searches_for(*, user) -> list[QuickSearch]:
    """The quick searches this user may use, in result order."""
    visible = [q for q in _searches.values() if _allowed(user, q.permission)]
    return sorted(visible, key=lambda q: (q.order, q.key))
