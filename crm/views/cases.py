"""Staff pages for support cases: the team queue and "My cases", a case with its
activity, opening a case from a profile, comments and status changes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.exceptions import ApplicationError
from config.validation import whole_number
from crm import history, selectors, services
from crm.extensions import case_panels_for
from crm.filters import CaseFilter, filterset_with_valid_filters
from crm.forms import CaseCommentForm, CaseForm, CaseStatusForm
from crm.models import Case, Customer
from crm.views.customers import _get_customer

QUEUE_PAGE_SIZE = 50


@require_GET
@login_required
@permission_required("crm.view_case", raise_exception=True)
def case_list(request, mine: bool = False):
    """The team queue (or the user's own cases): active cases, overdue first, then by
    due time; filters by status, priority, assignee, team, overdue and customer."""
    data = request.GET.copy()
    if mine:
        data["assignee"] = "me"
    filterset, errors = filterset_with_valid_filters(
        CaseFilter, data, selectors.case_list(user=request.user), request=request
    )
    page = Paginator(filterset.qs, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    customer = None
    if filterset.form.cleaned_data.get("customer"):
        customer = Customer.objects.filter(pk=filterset.form.cleaned_data["customer"]).first()
    context = {
        "filter": filterset,
        "filter_errors": errors,
        "page": page,
        "mine": mine,
        "query": query.urlencode(),
        "filter_customer": customer,
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "ordering")),
    }
    template = "crm/_case_results.html" if request.htmx else "crm/case_list.html"
    return render(request, template, context)


def _get_case(request, number: int) -> Case:
    try:
        return selectors.case_get(user=request.user, number=number)
    except Case.DoesNotExist:
        raise Http404(_("No such case.")) from None


def _detail(request, case: Case, *, comment_form=None, status_error=None, status=200):
    activity = selectors.case_activity(case=case)
    for line in activity:
        if line.kind == "change":
            line.item.change_rows = history.change_rows(line.item)
    context = {
        "case": case,
        "customer": case.customer,
        "activity": activity,
        "comment_form": comment_form or CaseCommentForm(case=case),
        "status_error": status_error,
        "next_statuses": _next_statuses(case),
        "reopen_deadline": services.case_reopen_deadline(case),
        "panels": _case_panels(request, case),
    }
    return render(request, "crm/case_detail.html", context, status=status)


def _case_panels(request, case: Case) -> list[tuple]:
    """Every registered case card the user may see, rendered (crm.extensions)."""
    cards = []
    for panel in case_panels_for(user=request.user):
        context = panel.load(case, request.user)
        if context is not None:
            html = render_to_string(panel.template, {**context, "panel": panel}, request)
            cards.append((panel, html))
    return cards


def _next_statuses(case: Case) -> list:
    """The statuses the page offers a button for: the allowed ones, without a reopen
    whose time has passed (the page says to open a new case instead)."""
    deadline = services.case_reopen_deadline(case)
    allowed = [s for s in Case.Status if s in services.ALLOWED_TRANSITIONS[case.status]]
    if deadline is not None and timezone.now() > deadline:
        allowed = [s for s in allowed if s != Case.Status.OPEN]
    return allowed


@require_GET
@login_required
@permission_required("crm.view_case", raise_exception=True)
def case_detail(request, number: int):
    return _detail(request, _get_case(request, number))


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.add_case", raise_exception=True)
def case_create(request):
    """Open a case for the customer in `?customer=` (the profile's "Open a case")."""
    customer_id = whole_number(request.GET.get("customer"))
    if customer_id is None:
        messages.info(request, _("Open a case from the customer's profile."))
        return redirect("crm:customer-list")
    customer = _get_customer(request, customer_id)
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(
                customer=customer, opened_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except ApplicationError as exc:  # the customer was deleted meanwhile
            raise Http404(exc.message) from None
        else:
            messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
            return redirect("crm:case-detail", number=case.number)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "customer": customer}
    return render(request, "crm/case_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.change_case", raise_exception=True)
def case_edit(request, number: int):
    """Change a case's subject, description, priority, team, assignee or due time."""
    case = _get_case(request, number)
    form = CaseForm(request.POST or None, initial=CaseForm.initial_for(case), case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(case=case, data=form.changed_data_for(case))
        except ValidationError as exc:
            form.add_service_error(exc)
        except ApplicationError as exc:
            raise Http404(exc.message) from None
        else:
            messages.success(request, _("Changes saved."))
            return redirect("crm:case-detail", number=case.number)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "case": case, "customer": case.customer}
    return render(request, "crm/case_form.html", context, status=status)


@require_POST
@login_required
@permission_required("crm.change_case", raise_exception=True)
def case_comment(request, number: int):
    """Add a reply, an internal note or the customer's answer; optionally move the case on."""
    case = _get_case(request, number)
    form = CaseCommentForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        try:
            comment = services.case_comment_add(
                case=case,
                author=request.user,
                kind=data["kind"],
                body=data["body"],
                channel=(data["channel"] or None) if data["kind"] != "note" else None,
                status=data["then"] or None,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if comment.case_id != case.pk:
                messages.warning(
                    request,
                    _("%(old)s ended too long ago to reopen: the answer opened %(new)s.")
                    % {"old": case.reference, "new": comment.case.reference},
                )
            else:
                messages.success(request, _saved_message(data["kind"]))
            return redirect("crm:case-detail", number=comment.case.number)
    return _detail(request, case, comment_form=form, status=400)


def _saved_message(kind: str) -> str:
    if kind == "reply":
        return _("Reply saved.")
    if kind == "customer":
        return _("The customer's answer was added.")
    return _("Note saved.")


@require_POST
@login_required
@permission_required("crm.change_case", raise_exception=True)
def case_status(request, number: int):
    """Move a case to another status (Resolve, Wait for the customer, Close, Reopen)."""
    case = _get_case(request, number)
    form = CaseStatusForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, status_error=_("Choose a status."), status=400)
    if form.cleaned_data["status"] == case.status:
        messages.info(
            request,
            _("%(ref)s is %(status)s already.")
            % {"ref": case.reference, "status": case.get_status_display().lower()},
        )
        return redirect("crm:case-detail", number=case.number)
    try:
        case = services.case_status_set(case=case, status=form.cleaned_data["status"])
    except ApplicationError as exc:
        return _detail(request, _get_case(request, number), status_error=exc.message, status=409)
    messages.success(
        request,
        _("%(ref)s is now %(status)s.")
        % {"ref": case.reference, "status": case.get_status_display().lower()},
    )
    return redirect("crm:case-detail", number=case.number)
