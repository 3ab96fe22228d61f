"""Staff pages for customers: the list with search and filters, the profile, editing,
the quick search and the history of changes."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.exceptions import ApplicationError
from config.paging import EstimatedCountPaginator
from config.validation import whole_number
from crm import history, selectors, services
from crm.extensions import panels_for, quick_searches_for, timeline_sources_for
from crm.filters import CustomerFilter, filterset_with_valid_filters
from crm.forms import CustomerDeleteForm, CustomerForm, CustomerMergeForm, InteractionForm
from crm.models import Customer

PAGE_SIZES = [25, 50, 100]  # the list's "per page" choices; the first is the default


def _valid_filters(request) -> tuple[CustomerFilter, list[tuple[str, list[str]]]]:
    """The filterset of the request's valid filters, and the invalid ones as
    (label, messages) in the user's language.

    An invalid sort or date must not empty the list: it is named, and the rows of
    the other filters still show.
    """
    queryset = selectors.customer_list(user=request.user)
    return filterset_with_valid_filters(CustomerFilter, request.GET, queryset)


def _page_size(request, errors: list) -> int:
    raw = request.GET.get("page_size")
    if raw in (None, ""):
        return PAGE_SIZES[0]
    if whole_number(raw) in PAGE_SIZES:
        return whole_number(raw)
    choices = ", ".join(str(size) for size in PAGE_SIZES)
    errors.append((_("Per page"), [_("Choose one of %(choices)s.") % {"choices": choices}]))
    return PAGE_SIZES[0]


@require_GET
@login_required
@permission_required("crm.view_customer", raise_exception=True)
def customer_list(request):
    filterset, errors = _valid_filters(request)
    page_size = _page_size(request, errors)
    page = EstimatedCountPaginator(filterset.qs, page_size).get_page(request.GET.get("page"))
    statuses = selectors.customer_status_map(customer_ids=[c.pk for c in page.object_list])
    for customer in page.object_list:
        customer.status = statuses.get(customer.pk)
    query = request.GET.copy()
    query.pop("page", None)
    # Links on the page (pagination, per page) leave out what was refused.
    invalid = [name for name in request.GET if name not in filterset.form.data]
    if request.GET.get("page_size", "") not in ("", *map(str, PAGE_SIZES)):
        invalid.append("page_size")
    for name in invalid:
        query.pop(name, None)
    context = {
        "filter": filterset,
        "filter_errors": errors,
        "invalid_params": invalid,
        "page": page,
        "page_size": page_size,
        "page_sizes": PAGE_SIZES,
        "query": query.urlencode(),
        "filtered": any(
            v for k, v in request.GET.items() if k not in ("page", "ordering", "page_size")
        ),
    }
    template = "crm/_customer_results.html" if request.htmx else "crm/customer_list.html"
    return render(request, template, context)


def _get_customer(request, pk: int) -> Customer:
    try:
        return selectors.customer_get(user=request.user, pk=pk)
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None


def _parse_cursor(value: str | None) -> datetime.datetime | None:
    """The timeline cursor from the address; anything unusable shows the newest page."""
    try:
        moment = parse_datetime(value) if value else None
        if moment is None or moment.tzinfo is None:
            return None
        moment.astimezone(datetime.UTC)  # years 1 and 9999 overflow in the database
    except (ValueError, OverflowError):
        return None
    return moment


def _timeline_context(request, customer: Customer) -> dict:
    """The timeline page the address asks for: `until` (the cursor of "Show older") and
    `kind` (one or more registered kinds; unknown ones are ignored)."""
    sources = timeline_sources_for(user=request.user)
    kinds = [k for k in request.GET.getlist("kind") if k in {s.kind for s in sources}]
    entries, next_until = selectors.customer_timeline(
        customer=customer,
        user=request.user,
        until=_parse_cursor(request.GET.get("until")),
        kinds=kinds,
    )
    kind_query = QueryDict(mutable=True)
    kind_query.setlist("kind", kinds)
    return {
        "entries": entries,
        "next_until": next_until,
        "customer": customer,
        "timeline_sources": sources,
        "timeline_kinds": kinds,
        "kind_query": kind_query.urlencode(),
    }


def _panels(request, customer: Customer) -> dict[str, list[tuple]]:
    """Every registered profile panel the user may see, rendered, by column."""
    columns: dict[str, list[tuple]] = {"side": [], "main": []}
    for panel in panels_for(user=request.user):
        context = panel.load(customer, request.user)
        if context is None:
            continue
        html = render_to_string(panel.template, {**context, "panel": panel}, request)
        columns[panel.column].append((panel, html))
    return columns


@require_GET
@login_required
@permission_required("crm.view_customer", raise_exception=True)
def customer_detail(request, pk: int):
    customer = _get_customer(request, pk)
    context = _timeline_context(request, customer)
    if request.htmx and request.GET.get("until"):
        return render(request, "crm/_timeline_entries.html", context)
    context.update(
        summary=_summary(request, customer),
        form=InteractionForm(),
        status=selectors.customer_status(customer=customer),
        panels=_panels(request, customer),
    )
    return render(request, "crm/customer_detail.html", context)


def _summary(request, customer: Customer):
    if not request.user.has_perm("crm.view_order"):
        return None
    return selectors.customer_order_summary(customer=customer)


@require_POST
@login_required
@permission_required("crm.add_interaction", raise_exception=True)
def interaction_add(request, pk: int):
    customer = _get_customer(request, pk)
    form = InteractionForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            services.interaction_create(customer=customer, author=request.user, **form.cleaned_data)
            saved = True
        except ValidationError as exc:
            form.add_error(None, exc)
    if saved and not request.htmx:
        messages.success(request, _("Saved to the timeline."))
        return redirect("crm:customer-detail", pk=customer.pk)
    context = _timeline_context(request, customer)
    context["form"] = InteractionForm() if saved else form
    if request.htmx:
        # htmx swaps only 2xx answers: the form comes back with its errors inline.
        return render(request, "crm/_timeline.html", context)
    context.update(
        summary=_summary(request, customer),
        status=selectors.customer_status(customer=customer),
        panels=_panels(request, customer),
    )
    return render(request, "crm/customer_detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.add_customer", raise_exception=True)
def customer_create(request):
    """A new customer from a page; errors show at their fields and nothing is saved."""
    form = CustomerForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        data, tags = form.service_data()
        try:
            customer = services.customer_create(data=data, tags=tags)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Customer created."))
            return redirect("crm:customer-detail", pk=customer.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/customer_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.change_customer", raise_exception=True)
def customer_edit(request, pk: int):
    """Edit a customer's fields, tags and owner; only changed fields are written."""
    customer = _get_customer(request, pk)
    initial = CustomerForm.initial_for(customer)
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data, tags = form.service_data(customer=customer)
        try:
            services.customer_update(customer=customer, data=data, tags=tags)
        except ValidationError as exc:
            form.add_service_error(exc)
        except ApplicationError as exc:  # deleted meanwhile
            raise Http404(exc.message) from None
        else:
            messages.success(request, _("Changes saved."))
            return redirect("crm:customer-detail", pk=customer.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "customer": customer}
    return render(request, "crm/customer_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.delete_customer", raise_exception=True)
def customer_delete(request, pk: int):
    """Delete a customer without orders after a confirmation; one with orders is refused."""
    customer = _get_customer(request, pk)
    form = CustomerDeleteForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_delete(customer=customer)
        except ApplicationError as exc:
            refusal = exc.message
        else:
            messages.success(request, _("%(name)s was deleted.") % {"name": customer.display_name})
            return redirect("crm:customer-list")
    has_orders = customer.orders.exists()
    status = 200 if request.method == "GET" else (409 if refusal else 400)
    context = {"form": form, "customer": customer, "has_orders": has_orders, "refusal": refusal}
    return render(request, "crm/customer_confirm_delete.html", context, status=status)


QUICK_LIMIT = 8


@require_GET
@login_required
def quick_search(request):
    """The top bar's results for `q` (htmx): up to QUICK_LIMIT hits of every registered
    kind the user may search, each a link the keyboard reaches."""
    text = (request.GET.get("q") or "").strip()[:200]
    found = []
    if len(text) >= 2:
        found = [
            s.search(text, request.user, QUICK_LIMIT) for s in quick_searches_for(user=request.user)
        ]
    context = {"results": _fair_share(found, QUICK_LIMIT), "text": text}
    return render(request, "crm/_quick_results.html", context)


def _fair_share(lists: list[list], limit: int) -> list:
    """At most `limit` results, each kind keeping its order and getting an equal share
    of the room (one kind's many hits never push another kind's few out)."""
    taken = [0] * len(lists)
    room = limit
    while room and any(taken[i] < len(rows) for i, rows in enumerate(lists)):
        for i, rows in enumerate(lists):
            if room and taken[i] < len(rows):
                taken[i] += 1
                room -= 1
    return [row for i, rows in enumerate(lists) for row in rows[: taken[i]]]


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.delete_customer", raise_exception=True)
def customer_merge(request, pk: int):
    """Merge a duplicate into this customer (Admin): find it, compare, confirm, merge."""
    survivor = _get_customer(request, pk)
    form = CustomerMergeForm(request.POST or None, survivor=survivor)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        duplicate = form.cleaned_data["duplicate"]
        if form.cleaned_data["confirm"]:
            try:
                services.customer_merge(survivor=survivor, duplicate=duplicate, author=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            except ApplicationError as exc:  # one of them was deleted meanwhile
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The duplicate was merged into this customer."))
                return redirect("crm:customer-detail", pk=survivor.pk)
    summaries = {}
    if duplicate is not None:
        summaries = {
            "survivor": selectors.customer_order_summary(customer=survivor),
            "duplicate_summary": selectors.customer_order_summary(customer=duplicate),
        }
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "customer": survivor, "duplicate": duplicate, **summaries}
    return render(request, "crm/customer_merge.html", context, status=status)


HISTORY_MODELS = [
    ("customer", gettext_lazy("Customers")),
    ("order", gettext_lazy("Orders")),
    ("interaction", gettext_lazy("Notes, calls and emails")),
    ("case", gettext_lazy("Cases")),
    ("team", gettext_lazy("Teams")),
    ("segment", gettext_lazy("Segments")),
    ("dataexport", gettext_lazy("Exports")),
    ("tag", gettext_lazy("Tags")),
]


@require_GET
@login_required
@permission_required("auditlog.view_logentry", raise_exception=True)
def history_list(request):
    """Every recorded staff change, newest first, searchable (Admin)."""
    text = (request.GET.get("q") or "").strip()[:200]
    model = request.GET.get("model") or ""
    model = model if model in dict(HISTORY_MODELS) else ""
    actor = (request.GET.get("actor") or "").strip()[:150]
    rows = history.history_search(text=text, model=model, actor=actor)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.change_rows = history.change_rows(entry)
    context = {"page": page, "text": text, "model": model, "actor": actor, "models": HISTORY_MODELS}
    return render(request, "crm/history_list.html", context)
