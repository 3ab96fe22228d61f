"""Staff pages for segments (list, builder, members, delete) and the CSV exports of
customers and segment members."""

import csv
import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.exceptions import ApplicationError
from config.paging import EstimatedCountPaginator
from crm import selectors, services
from crm.filters import CustomerFilter, filterset_with_valid_filters
from crm.forms import SegmentForm
from crm.models import Customer, DataExport, Order, Segment
from crm.segments import conditions, rule_describe
from crm.views.customers import PAGE_SIZES, _page_size, _valid_filters

EXPORT_CHUNK = 2000
CENT = Decimal("0.01")
# Columns of a customer export, in order.
EXPORT_COLUMNS = [
    "id", "external_id", "first_name", "last_name", "email", "phone", "company", "country",
    "language", "customer_since", "closed_on", "email_consent", "sms_consent", "tags",
    "owner", "order_count", "revenue", "last_order_at",
]  # fmt: skip
# A spreadsheet runs a cell that starts with one of these as a formula: such text gets a
# leading apostrophe (OWASP "CSV injection"); numbers, dates and phone numbers are safe.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FREE_TEXT = {
    "external_id", "first_name", "last_name", "email", "company", "tags", "owner",
    "customer_external_id", "customer_email",
}  # fmt: skip


def _get_segment(request, pk: int) -> Segment:
    try:
        return selectors.segment_visible(user=request.user).get(pk=pk)
    except Segment.DoesNotExist:
        raise Http404(_("No such segment.")) from None


@require_GET
@login_required
@permission_required("crm.view_segment", raise_exception=True)
def segment_list(request):
    segments = selectors.segment_visible(user=request.user).order_by("name", "id")
    page = Paginator(segments, 50).get_page(request.GET.get("page"))
    names: dict = {}  # each condition type's choices, read once for the whole page
    for segment in page.object_list:
        segment.words = rule_describe(segment.rule, names=names)
    return render(request, "crm/segment_list.html", {"page": page})


def _builder_context(form) -> dict:
    return {
        "form": form,
        "condition_specs": [c.spec() for c in conditions()],
    }


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.add_segment", raise_exception=True)
def segment_create(request):
    """Build a segment from conditions; refused rules name each wrong condition."""
    initial = {"rule": {"match": "all", "conditions": []}}
    form = SegmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            segment = services.segment_create(author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Segment saved."))
            return redirect("crm:segment-detail", pk=segment.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/segment_form.html", _builder_context(form), status=status)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.change_segment", raise_exception=True)
def segment_edit(request, pk: int):
    segment = _get_segment(request, pk)
    initial = {
        "name": segment.name,
        "description": segment.description,
        "tracked": segment.tracked,
        "rule": segment.rule,
    }
    form = SegmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.segment_update(segment=segment, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        except ApplicationError as exc:
            raise Http404(exc.message) from None
        else:
            messages.success(request, _("Segment saved."))
            return redirect("crm:segment-detail", pk=segment.pk)
    status = 400 if request.method == "POST" else 200
    context = {**_builder_context(form), "segment": segment}
    return render(request, "crm/segment_form.html", context, status=status)


@require_GET
@login_required
@permission_required("crm.view_segment", raise_exception=True)
def segment_detail(request, pk: int):
    """The rule in words, the live member count and the members, sorted like the list."""
    segment = _get_segment(request, pk)
    data = request.GET.copy()
    data["segment"] = str(segment.pk)
    filterset, errors = filterset_with_valid_filters(
        CustomerFilter, data, selectors.customer_list(user=request.user)
    )
    page_size = _page_size(request, errors)
    page = EstimatedCountPaginator(filterset.qs, page_size).get_page(request.GET.get("page"))
    statuses = selectors.customer_status_map(customer_ids=[c.pk for c in page.object_list])
    for customer in page.object_list:
        customer.status = statuses.get(customer.pk)
    context = {
        "segment": segment,
        "words": rule_describe(segment.rule),
        "filter": filterset,
        "filter_errors": errors,
        "page": page,
        "page_size": page_size,
        "page_sizes": PAGE_SIZES,
        "filtered": True,
    }
    template = "crm/_customer_results.html" if request.htmx else "crm/segment_detail.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.delete_segment", raise_exception=True)
def segment_delete(request, pk: int):
    segment = _get_segment(request, pk)
    if request.method == "POST":
        services.segment_delete(segment=segment)
        messages.success(request, _("Segment %(name)s deleted.") % {"name": segment.name})
        return redirect("crm:segment-list")
    return render(request, "crm/segment_confirm_delete.html", {"segment": segment})


def _refused(errors: list) -> HttpResponse:
    """An export never drops a filter it cannot read: it would hand out everyone."""
    lines = [f"{label}: {' '.join(messages)}" for label, messages in errors]
    text = _("Nothing was exported; these filters are not valid:") + "\n" + "\n".join(lines)
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer and streaming."""

    def write(self, value: str) -> str:
        return value


def _cell(column: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    text = str(value)
    if column in _FREE_TEXT and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _csv_rows(customers):
    """Header and rows, fetched EXPORT_CHUNK at a time as plain values (no model
    instances), one string per chunk: memory stays flat however many."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)  # the BOM: spreadsheets read UTF-8
    owner = f"owner__{get_user_model().USERNAME_FIELD}"
    fields = [c for c in EXPORT_COLUMNS if c not in ("id", "tags", "owner")]
    rows = customers.order_by("pk").values_list("pk", owner, *fields)
    chunk: list[tuple] = []
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(row)
        if len(chunk) == EXPORT_CHUNK:
            yield _csv_chunk(writer, fields, chunk)
            chunk = []
    if chunk:
        yield _csv_chunk(writer, fields, chunk)


def _csv_chunk(writer, fields: list[str], chunk: list[tuple]) -> str:
    tags: dict[int, list[str]] = {}
    for customer_id, name in Customer.tags.through.objects.filter(
        customer_id__in=[row[0] for row in chunk]
    ).values_list("customer_id", "tag__name"):
        tags.setdefault(customer_id, []).append(name)
    lines = []
    for pk, owner, *cells in chunk:
        values = dict(zip(fields, cells, strict=True))
        values.update(
            id=pk,
            owner=owner or "",
            tags="; ".join(sorted(tags.get(pk, []))),
            phone=str(values["phone"] or ""),
            country=getattr(values["country"], "code", values["country"]) or "",
            revenue=Decimal(values["revenue"] or 0).quantize(CENT),
        )
        lines.append(writer.writerow([_cell(c, values[c]) for c in EXPORT_COLUMNS]))
    return "".join(lines)


def _csv_response(customers, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_rows(customers), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@login_required
@permission_required("crm.view_customer", raise_exception=True)
def customer_export(request):
    """The customer list as CSV, with the list's filters (the sort is ignored)."""
    filterset, errors = _valid_filters(request)
    if errors:
        return _refused(errors)
    used = filterset.form.data.urlencode() if hasattr(filterset.form.data, "urlencode") else ""
    services.data_export_record(user=request.user, kind=DataExport.Kind.CUSTOMERS, filters=used)
    stamp = timezone.localdate().isoformat()
    return _csv_response(filterset.qs, f"customers-{stamp}.csv")


@require_GET
@login_required
@permission_required("crm.view_segment", raise_exception=True)
def segment_export(request, pk: int):
    """A segment's members today as CSV."""
    segment = _get_segment(request, pk)
    services.data_export_record(
        user=request.user, kind=DataExport.Kind.SEGMENT, segment=segment, filters=segment.name
    )
    members = selectors.segment_member_list(segment=segment, user=request.user)
    stamp = timezone.localdate().isoformat()
    return _csv_response(members, f"segment-{segment.pk}-{stamp}.csv")


ORDER_EXPORT_COLUMNS = [
    "external_id", "customer_id", "customer_external_id", "customer_email", "placed_at",
    "total", "currency", "status", "channel", "item_count",
]  # fmt: skip


def _order_rows(orders):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(ORDER_EXPORT_COLUMNS)
    rows = orders.values_list(
        "external_id", "customer_id", "customer__external_id", "customer__email", "placed_at",
        "total", "currency", "status", "channel", "item_count",
    ).order_by("pk")  # fmt: skip
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        values = dict(zip(ORDER_EXPORT_COLUMNS, row, strict=True))
        yield writer.writerow([_cell(c, values[c]) for c in ORDER_EXPORT_COLUMNS])


@require_GET
@login_required
@permission_required("crm.view_order", raise_exception=True)
def order_export(request):
    """The orders of the customer list's filters as CSV, streamed."""
    filterset, errors = _valid_filters(request)
    if errors:
        return _refused(errors)
    used = filterset.form.data.urlencode() if hasattr(filterset.form.data, "urlencode") else ""
    services.data_export_record(user=request.user, kind=DataExport.Kind.ORDERS, filters=used)
    customers = filterset.qs.order_by().values("pk")
    orders = Order.objects.filter(customer__in=customers)
    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(_order_rows(orders), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
    return response
