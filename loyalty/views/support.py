"""Support's loyalty actions, from the customer profile: redeem a reward on the customer's
request, cancel a voucher. Both answer with the profile and a message, never a 500."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.exceptions import ApplicationError
from config.validation import whole_number
from crm.selectors import customer_visible
from loyalty import services
from loyalty.models import Redemption, Reward


def _customer(request, pk: int):
    customer = customer_visible(user=request.user).filter(pk=pk).first()
    if customer is None:
        raise Http404(_("No such customer."))
    return customer


def _back(request, customer_pk: int):
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("crm:customer-detail", pk=customer_pk)


@require_POST
@login_required
@permission_required("loyalty.add_redemption", raise_exception=True)
def redeem(request, customer_pk: int):
    """Redeem the chosen reward; the voucher code shows in the message. A form token
    (`idempotency_key`, drawn with the form) makes a double-click redeem once."""
    customer = _customer(request, customer_pk)
    reward_id = whole_number(request.POST.get("reward"))
    reward = Reward.objects.filter(pk=reward_id).first() if reward_id else None
    if reward is None:
        messages.error(request, _("Choose a reward to redeem."))
        return _back(request, customer.pk)
    try:
        redemption, replayed = services.reward_redeem(
            customer=customer,
            reward=reward,
            author=request.user,
            idempotency_key=request.POST.get("idempotency_key") or None,
        )
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
        return _back(request, customer.pk)
    messages.success(
        request,
        _("%(reward)s redeemed for %(points)s points. Voucher code: %(code)s")
        % {"reward": reward.name, "points": redemption.points, "code": redemption.code},
    )
    return _back(request, customer.pk)


@require_POST
@login_required
@permission_required("loyalty.add_account", raise_exception=True)
def enrol(request, customer_pk: int):
    """Enrol the customer in the programme (explicit enrolment, or before a first order);
    enrolling a member again changes nothing."""
    customer = _customer(request, customer_pk)
    try:
        services.account_enrol(customer=customer)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is a member now.") % {"name": customer.display_name})
    return _back(request, customer.pk)


@require_POST
@login_required
@permission_required("loyalty.change_redemption", raise_exception=True)
def redemption_cancel(request, pk: int):
    visible = customer_visible(user=request.user)
    redemption = get_object_or_404(
        # A voucher of a merged customer belongs to the survivor now.
        Redemption.objects.select_related("account__merged_into", "reward").filter(
            Q(account__customer__in=visible) | Q(account__merged_into__customer__in=visible)
        ),
        pk=pk,
    )
    owner = redemption.account if redemption.account.customer_id else redemption.account.merged_into
    customer_pk = owner.customer_id
    services.redemption_cancel(redemption=redemption, author=request.user)
    messages.success(
        request,
        _("Voucher %(code)s cancelled; %(points)s points returned.")
        % {"code": redemption.code, "points": redemption.points},
    )
    return _back(request, customer_pk)
