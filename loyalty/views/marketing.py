"""Marketing's loyalty pages: the programme overview and settings, earn rules, tiers,
rewards, and the members with their ledger and manual adjustments.

Forms check types and ranges; every write is one service call whose refusals show
inline at status 400.
"""

import datetime
import uuid
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.exceptions import ApplicationError
from config.paging import EstimatedCountPaginator
from crm.filters import customer_search
from crm.models import Customer, Order
from crm.selectors import customer_visible
from loyalty import selectors, services
from loyalty.forms import (
    NO_TIER,
    AdjustForm,
    MemberFilterForm,
    ProgrammeForm,
    RewardForm,
    RuleForm,
    TierForm,
)
from loyalty.models import Account, EarnRule, Programme, Redemption, Reward, Tier

MEMBER_PAGE_SIZE = 50
LEDGER_PAGE_SIZE = 25
RECENT_LIMIT = 50  # tier changes and vouchers shown on a member's page, newest first


# --- Shared ------------------------------------------------------------------------------


def _posted(request):
    """The POST data, or None on GET (an empty POST still validates, and fails)."""
    return request.POST if request.method == "POST" else None


def _saved(request, form, save: Callable[[dict], object]) -> bool:
    """Validate a posted form and pass its data to `save` (one service call); False
    with the errors on the form when either refuses."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save(form.service_data())
    except (ValidationError, ApplicationError) as exc:
        form.add_service_error(exc)
        return False
    return True


def _form_page(request, template: str, context: dict):
    """A form page: 200 when drawn, 400 when a post came back with errors."""
    status = 400 if request.method == "POST" else 200
    return render(request, template, context, status=status)


def window_state(
    *,
    is_active: bool,
    start: datetime.date | None,
    end: datetime.date | None,
    today: datetime.date,
) -> str:
    """How a rule or reward stands today: off, scheduled, ended or live."""
    if not is_active:
        return "off"
    if start is not None and today < start:
        return "scheduled"
    if end is not None and today > end:
        return "ended"
    return "live"


# --- Overview and settings ---------------------------------------------------------------


@require_GET
@login_required
@permission_required("loyalty.view_account", raise_exception=True)
def overview(request):
    """Members per tier, this month's points and the outstanding liability."""
    figures = selectors.programme_overview()
    members = figures["members"]
    tiers = [
        (tier, count, count * 100 // members if members else 0) for tier, count in figures["tiers"]
    ]
    no_tier_share = figures["no_tier"] * 100 // members if members else 0
    context = {
        "section": "overview",
        "figures": figures,
        "tier_rows": tiers,
        "no_tier_share": no_tier_share,
        "today": timezone.localdate(),
    }
    return render(request, "loyalty/overview.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("loyalty.change_programme", raise_exception=True)
def programme_edit(request):
    """The programme's settings; the first save creates the programme."""
    programme = Programme.objects.first()
    if programme is None and not request.user.has_perm("loyalty.add_programme"):
        raise PermissionDenied
    if programme is None:
        initial = {"active_from": timezone.localdate()}
    else:
        initial = ProgrammeForm.initial_for(programme)
    form = ProgrammeForm(_posted(request), initial=initial)
    if _saved(request, form, lambda data: services.programme_save(data=data)):
        if programme is None:
            messages.success(request, _("The loyalty programme is set up."))
        else:
            messages.success(request, _("Programme settings saved."))
        return redirect("loyalty:overview")
    context = {"section": "settings", "form": form, "programme": programme}
    return _form_page(request, "loyalty/programme_form.html", context)


# --- Earn rules --------------------------------------------------------------------------


@require_GET
@login_required
@permission_required("loyalty.view_earnrule", raise_exception=True)
def rule_list(request):
    rules = list(EarnRule.objects.order_by("kind", "name", "id"))
    today = timezone.localdate()
    channels = dict(Order.Channel.choices)
    for rule in rules:
        rule.state = window_state(
            is_active=rule.is_active, start=rule.active_from, end=rule.active_to, today=today
        )
        rule.channel_labels = [channels.get(value, value) for value in rule.channels]
    context = {
        "section": "rules",
        "rules": rules,
        "programme": Programme.objects.first(),
        "order_kinds": EarnRule.ORDER_KINDS,
    }
    return render(request, "loyalty/rule_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("loyalty.add_earnrule", raise_exception=True)
def rule_create(request):
    initial = {"kind": EarnRule.Kind.SPEND, "is_active": True}
    form = RuleForm(_posted(request), initial=initial)
    if _saved(request, form, lambda data: services.rule_save(data=data)):
        messages.success(request, _("Earn rule saved."))
        return redirect("loyalty:rule-list")
    return _form_page(request, "loyalty/rule_form.html", {"section": "rules", "form": form})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("loyalty.change_earnrule", raise_exception=True)
def rule_edit(request, pk: int):
    rule = get_object_or_404(EarnRule, pk=pk)
    form = RuleForm(_posted(request), initial=RuleForm.initial_for(rule))
    if _saved(request, form, lambda data: services.rule_save(rule=rule, data=data)):
        messages.success(request, _("Earn rule saved."))
        return redirect("loyalty:rule-list")
    context = {"section": "rules", "form": form, "rule": rule}
    return _form_page(request, "loyalty/rule_form.html", context)


# --- Tiers -------------------------------------------------------------------------------


@require_GET
@login_required
@permission_required("loyalty.view_tier", raise_exception=True)
def tier_list(request):
    tiers = Tier.objects.annotate(
        members=Count("accounts", filter=Q(accounts__customer__isnull=False))
    ).order_by("threshold")
    programme = Programme.objects.first()
    context = {"section": "tiers", "tiers": list(tiers), "programme": programme}
    return render(request, "loyalty/tier_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("loyalty.add_tier", raise_exception=True)
def tier_create(request):
    form = TierForm(_posted(request))
    if _saved(request, form, lambda data: services.tier_save(data=data)):
        messages.success(request, _("Tier saved; members move to their new tiers shortly."))
        return redirect("loyalty:tier-list")
    return _form_page(request, "loyalty/tier_form.html", {"section": "tiers", "form": form})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("loyalty.change_tier", raise_exception=True)
def tier_edit(request, pk: int):
    tier = get_object_or_404(Tier, pk=pk)
    form = TierForm(_posted(request), initial=TierForm.initial_for(tier))
    if _saved(request, form, lambda data: services.tier_save(tier=tier, data=data)):
        messages.success(request, _("Tier saved; members move to their new tiers shortly."))
        return redirect("loyalty:tier-list")
    context = {"section": "tiers", "form": form, "tier": tier}
    return _form_page(request, "loyalty/tier_form.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("loyalty.delete_tier", raise_exception=True)
def tier_delete(request, pk: int):
    """Delete a tier after a confirmation; its members move to the tier their points reach."""
    tier = get_object_or_404(Tier, pk=pk)
    if request.method == "POST":
        services.tier_delete(tier=tier)
        messages.success(request, _("Tier %(name)s deleted.") % {"name": tier.name})
        return redirect("loyalty:tier-list")
    members = tier.accounts.filter(customer__isnull=False).count()
    context = {"section": "tiers", "tier": tier, "members": members}
    return render(request, "loyalty/tier_confirm_delete.html", context)


# --- Rewards -----------------------------------------------------------------------------


@require_GET
@login_required
@permission_required("loyalty.view_reward", raise_exception=True)
def reward_list(request):
    issued = Q(redemptions__status=Redemption.Status.ISSUED)
    cancelled = Q(redemptions__status=Redemption.Status.CANCELLED)
    rewards = list(
        Reward.objects.annotate(
            issued=Count("redemptions", filter=issued),
            cancelled=Count("redemptions", filter=cancelled),
        ).order_by("cost", "name", "id")
    )
    today = timezone.localdate()
    for reward in rewards:
        reward.state = window_state(
            is_active=reward.is_active, start=reward.active_from, end=reward.active_to, today=today
        )
    return render(request, "loyalty/reward_list.html", {"section": "rewards", "rewards": rewards})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("loyalty.add_reward", raise_exception=True)
def reward_create(request):
    form = RewardForm(_posted(request), initial={"is_active": True})
    if _saved(request, form, lambda data: services.reward_save(data=data)):
        messages.success(request, _("Reward saved."))
        return redirect("loyalty:reward-list")
    return _form_page(request, "loyalty/reward_form.html", {"section": "rewards", "form": form})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("loyalty.change_reward", raise_exception=True)
def reward_edit(request, pk: int):
    reward = get_object_or_404(Reward, pk=pk)
    form = RewardForm(_posted(request), initial=RewardForm.initial_for(reward))
    if _saved(request, form, lambda data: services.reward_save(reward=reward, data=data)):
        messages.success(request, _("Reward saved."))
        return redirect("loyalty:reward-list")
    context = {"section": "rewards", "form": form, "reward": reward}
    return _form_page(request, "loyalty/reward_form.html", context)


# --- Members -----------------------------------------------------------------------------


@require_GET
@login_required
@permission_required("loyalty.view_account", raise_exception=True)
def member_list(request):
    """Members with search, tier and debt filters and a sort; a filter that is not valid
    is named and left out, the others still apply."""
    tiers = list(Tier.objects.order_by("threshold"))
    form = MemberFilterForm(request.GET, tiers=tiers)
    form.is_valid()
    data = form.cleaned_data  # the valid filters only
    rows = selectors.account_list(user=request.user)
    if data.get("q"):
        found = customer_search(customer_visible(user=request.user), data["q"])
        rows = rows.filter(customer__in=found)
    if data.get("tier") == NO_TIER:
        rows = rows.filter(tier__isnull=True)
    elif data.get("tier"):
        rows = rows.filter(tier_id=int(data["tier"]))
    if data.get("owing"):
        rows = rows.filter(balance__lt=0)
    ordering = data.get("ordering") or "-enrolled_at"
    rows = rows.order_by(ordering, "-id" if ordering.startswith("-") else "id")
    page = EstimatedCountPaginator(rows, MEMBER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "section": "members",
        "form": form,
        "page": page,
        "filter_errors": [(form.fields[name].label, errs) for name, errs in form.errors.items()],
        "invalid_params": list(form.errors),
        "filtered": any(data.get(name) for name in ("q", "tier", "owing")),
    }
    return render(request, "loyalty/member_list.html", context)


def _customer(request, customer_pk: int) -> Customer:
    customer = customer_visible(user=request.user).filter(pk=customer_pk).first()
    if customer is None:
        raise Http404(_("No such customer."))
    return customer


def _member_context(request, customer: Customer, form: AdjustForm) -> dict:
    """A member's page: the summary, the ledger page asked for, tier history, vouchers."""
    summary = selectors.account_summary(customer=customer)
    if summary is None:  # no programme (any more): the points still show
        summary = {
            "account": Account.objects.select_related("tier").filter(customer=customer).first()
        }
    account = summary["account"]
    context = {
        "section": "members",
        "customer": customer,
        "summary": summary,
        "account": account,
        "form": form,
        "form_token": uuid.uuid4().hex,
    }
    if account is None:
        return context
    entries = account.entries.select_related(
        "author", "order", "rule", "redemption__reward", "lot"
    ).order_by("-created_at", "-id")
    context["ledger"] = Paginator(entries, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    changes = account.tier_changes.order_by("-created_at", "-id")
    context["tier_changes"] = list(changes[:RECENT_LIMIT])
    context["vouchers"] = list(
        account.redemptions.select_related("reward", "created_by", "cancelled_by").order_by(
            "-created_at", "-id"
        )[:RECENT_LIMIT]
    )
    return context


@require_GET
@login_required
@permission_required("loyalty.view_account", raise_exception=True)
def member_detail(request, customer_pk: int):
    customer = _customer(request, customer_pk)
    context = _member_context(request, customer, AdjustForm())
    return render(request, "loyalty/member_detail.html", context)


@require_POST
@login_required
@permission_required("loyalty.add_ledgerentry", raise_exception=True)
def adjust(request, customer_pk: int):
    """A manual adjustment with a reason; refusals show on the member's page (400)."""
    customer = _customer(request, customer_pk)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            entry, _replayed = services.points_adjust(
                customer=customer,
                author=request.user,
                # drawn with the form: a double-click records the adjustment once
                idempotency_key=request.POST.get("idempotency_key") or None,
                **form.service_data(),
            )
        except (ValidationError, ApplicationError) as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("%(points)s points recorded; the balance is now %(balance)s.")
                % {"points": f"{entry.points:+d}", "balance": entry.account.balance},
            )
            return _back(request, customer)
    context = _member_context(request, customer, form)
    return render(request, "loyalty/member_detail.html", context, status=400)


def _back(request, customer: Customer):
    """To `next` when it is a page of this site (the profile's panel), else the member."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("loyalty:member-detail", customer_pk=customer.pk)
