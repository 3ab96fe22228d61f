"""The loyalty REST API: thin views over loyalty's services and selectors.

Writes take an `Idempotency-Key` header: the same key replayed answers with the first
result (and the header `Idempotent-Replayed: true`) and writes nothing; the same key with
other parameters is refused with 409 `idempotency_conflict`.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from config.api import KnownQueryParamsMixin
from config.api import StrictOrderingFilter as OrderingFilter
from crm.models import Customer
from crm.selectors import customer_visible
from loyalty import selectors, services
from loyalty.api import serializers as s
from loyalty.models import Account, LedgerEntry, Redemption, Reward

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A key of your choice (for example a UUID) that makes a retry safe: the "
    "same key returns the first result; reused for another request it answers 409.",
)


def _visible(user, customer) -> None:
    if not customer_visible(user=user).filter(pk=customer.pk).exists():
        raise ValidationError({"customer": _("Unknown customer.")})


def _key(request) -> str | None:
    return request.headers.get("Idempotency-Key") or None


class AccountFilter(django_filters.FilterSet):
    tier = django_filters.CharFilter(field_name="tier__name", lookup_expr="iexact")

    class Meta:
        model = Account
        fields = ["customer", "tier"]


class AccountViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Loyalty members: balance (the sum of their ledger), tier and qualifying points."""

    serializer_class = s.AccountOutputSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = AccountFilter
    ordering_fields = ["balance", "qualifying_points", "enrolled_at"]
    queryset = Account.objects.none()

    def get_queryset(self):
        return selectors.account_list(user=self.request.user).order_by("-enrolled_at", "-id")

    @extend_schema(
        request=s.EnrolInputSerializer,
        responses={201: s.AccountOutputSerializer, 200: s.AccountOutputSerializer},
    )
    def create(self, request):
        """Enrol a customer: 201 with the new account (and its welcome bonus), or 200 with
        the account a member already has."""
        serializer = s.EnrolInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = serializer.validated_data["customer"]
        _visible(request.user, customer)
        existed = Account.objects.filter(customer=customer).exists()
        account = services.account_enrol(customer=customer)
        account = self.get_queryset().get(pk=account.pk)
        return Response(
            s.AccountOutputSerializer(account).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class LedgerFilter(django_filters.FilterSet):
    customer = django_filters.ModelChoiceFilter(
        field_name="account__customer", queryset=Customer.objects.all()
    )

    class Meta:
        model = LedgerEntry
        fields = ["customer", "kind"]


class LedgerViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The ledger, newest first; read only (corrections are adjustments)."""

    serializer_class = s.LedgerEntryOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LedgerFilter
    queryset = LedgerEntry.objects.none()

    def get_queryset(self):
        return selectors.ledger_list(user=self.request.user).order_by("-created_at", "-id")


class AdjustmentViewSet(viewsets.GenericViewSet):
    """Manual adjustments by staff, with a required reason (POST only)."""

    queryset = LedgerEntry.objects.none()
    serializer_class = s.AdjustmentInputSerializer

    @extend_schema(
        request=s.AdjustmentInputSerializer,
        responses={201: s.LedgerEntryOutputSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def create(self, request):
        serializer = s.AdjustmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        _visible(request.user, data["customer"])
        entry, replayed = services.points_adjust(
            customer=data["customer"],
            points=data["points"],
            reason=data["reason"],
            author=request.user,
            idempotency_key=_key(request),
        )
        return Response(
            s.LedgerEntryOutputSerializer(entry).data,
            status=status.HTTP_201_CREATED,
            headers={"Idempotent-Replayed": "true"} if replayed else {},
        )


class ReferralViewSet(viewsets.GenericViewSet):
    """Record that one customer referred another (POST only): the active referral rules
    pay both, once per referred customer; a second call pays nothing more."""

    queryset = LedgerEntry.objects.none()
    serializer_class = s.ReferralInputSerializer

    @extend_schema(
        request=s.ReferralInputSerializer,
        responses={201: s.LedgerEntryOutputSerializer(many=True)},
    )
    def create(self, request):
        serializer = s.ReferralInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        for customer in (data["referrer"], data["referred"]):
            _visible(request.user, customer)
        entries = services.referral_record(referrer=data["referrer"], referred=data["referred"])
        return Response(
            s.LedgerEntryOutputSerializer(entries, many=True).data, status=status.HTTP_201_CREATED
        )


class RewardViewSet(
    KnownQueryParamsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The rewards catalogue; Marketing creates and changes rewards."""

    serializer_class = s.RewardSerializer
    queryset = Reward.objects.order_by("cost", "name")

    @extend_schema(request=s.RewardInputSerializer, responses={201: s.RewardSerializer})
    def create(self, request):
        serializer = s.RewardInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reward = services.reward_save(data=dict(serializer.validated_data))
        return Response(s.RewardSerializer(reward).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RewardInputSerializer, responses={200: s.RewardSerializer})
    def partial_update(self, request, pk=None):
        reward = self.get_object()
        serializer = s.RewardInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        reward = services.reward_save(reward=reward, data=dict(serializer.validated_data))
        return Response(s.RewardSerializer(reward).data)


class _RedemptionPermissions(BasePermission):
    """Redeeming needs add_redemption; cancelling a voucher change_redemption."""

    def has_permission(self, request, view):
        needed = {
            "list": "view_redemption",
            "retrieve": "view_redemption",
            "create": "add_redemption",
            "cancel": "change_redemption",
        }.get(view.action, "view_redemption")
        return request.user.is_authenticated and request.user.has_perm(f"loyalty.{needed}")


class RedemptionFilter(django_filters.FilterSet):
    customer = django_filters.ModelChoiceFilter(
        field_name="account__customer", queryset=Customer.objects.all()
    )

    class Meta:
        model = Redemption
        fields = ["customer", "status", "code"]


class RedemptionViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Rewards redeemed for points. POST `{customer, reward}` with an `Idempotency-Key`;
    refusals: `insufficient_points`, `reward_inactive`, `out_of_stock`, `limit_reached`
    (409/422), `idempotency_conflict` (409)."""

    serializer_class = s.RedemptionOutputSerializer
    permission_classes = [_RedemptionPermissions]
    filter_backends = [DjangoFilterBackend]
    filterset_class = RedemptionFilter
    queryset = Redemption.objects.none()

    def get_queryset(self):
        visible = customer_visible(user=self.request.user)
        return (
            Redemption.objects.filter(
                Q(account__customer__in=visible) | Q(account__merged_into__customer__in=visible)
            )
            .select_related("account", "reward", "created_by")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        request=s.RedemptionInputSerializer,
        responses={201: s.RedemptionOutputSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def create(self, request):
        serializer = s.RedemptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        _visible(request.user, data["customer"])
        redemption, replayed = services.reward_redeem(
            customer=data["customer"],
            reward=data["reward"],
            author=request.user,
            idempotency_key=_key(request),
        )
        redemption = self.get_queryset().get(pk=redemption.pk)
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return Response(
            s.RedemptionOutputSerializer(redemption).data,
            status=status.HTTP_201_CREATED,
            headers=headers,
        )

    @extend_schema(request=None, responses={200: s.RedemptionOutputSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a voucher: its points return as a new entry; cancelling twice is a no-op."""
        redemption = services.redemption_cancel(redemption=self.get_object(), author=request.user)
        redemption = self.get_queryset().get(pk=redemption.pk)
        return Response(s.RedemptionOutputSerializer(redemption).data)
