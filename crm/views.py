"""Staff pages for customers: the list with search and filters, and the profile."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm import selectors, services
from crm.filters import CustomerFilter
from crm.forms import InteractionForm
from crm.models import Customer

PAGE_SIZE = 25


@require_GET
@login_required
@permission_required("crm.view_customer", raise_exception=True)
def customer_list(request):
    filterset = CustomerFilter(request.GET, queryset=selectors.customer_list(user=request.user))
    customers = filterset.qs if filterset.is_valid() else Customer.objects.none()
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "ordering")),
    }
    template = "crm/_customer_results.html" if request.htmx else "crm/customer_list.html"
    return render(request, template, context)


def _get_customer(request, pk: int) -> Customer:
    try:
        return selectors.customer_get(user=request.user, pk=pk)
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None


def _timeline_context(customer: Customer, before_param: str | None) -> dict:
    try:
        before = parse_datetime(before_param) if before_param else None
    except ValueError:  # well-formed but impossible, e.g. month 13
        before = None
    if before is not None and before.tzinfo is None:
        before = None
    entries, next_before = selectors.customer_timeline(customer=customer, before=before)
    return {"entries": entries, "next_before": next_before, "customer": customer}


@require_GET
@login_required
@permission_required("crm.view_customer", raise_exception=True)
def customer_detail(request, pk: int):
    customer = _get_customer(request, pk)
    context = _timeline_context(customer, request.GET.get("before"))
    if request.htmx and request.GET.get("before"):
        return render(request, "crm/_timeline_entries.html", context)
    context.update(
        summary=selectors.customer_order_summary(customer=customer),
        form=InteractionForm(),
        status=selectors.customer_status(customer=customer),
    )
    return render(request, "crm/customer_detail.html", context)


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
    context = _timeline_context(customer, None)
    context["form"] = InteractionForm() if saved else form
    if request.htmx:
        # htmx swaps only 2xx answers: the form comes back with its errors inline.
        return render(request, "crm/_timeline.html", context)
    context.update(
        summary=selectors.customer_order_summary(customer=customer),
        status=selectors.customer_status(customer=customer),
    )
    return render(request, "crm/customer_detail.html", context, status=400)
