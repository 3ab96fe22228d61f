"""Input and output shapes of the loyalty API. Inputs validate types; services the rules."""

from django.conf import settings
from rest_framework import serializers

from config.api import IdField, InputSerializer
from crm.models import Customer
from loyalty.models import Account, LedgerEntry, Redemption, Reward


class AccountOutputSerializer(serializers.ModelSerializer):
    tier = serializers.CharField(source="tier.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Account
        fields = [
            "id",
            "customer",
            "balance",
            "tier",
            "qualifying_points",
            "tier_since",
            "enrolled_at",
        ]


class EnrolInputSerializer(InputSerializer):
    customer = IdField(queryset=Customer.objects.all())


class LedgerEntryOutputSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="account.customer_id", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    order = serializers.CharField(source="order.external_id", read_only=True, default=None)
    voucher = serializers.CharField(source="redemption.code", read_only=True, default=None)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "account",
            "customer",
            "kind",
            "points",
            "reason",
            "order",
            "voucher",
            "rule",
            "reference",
            "author",
            "created_at",
            "expires_at",
            "remaining",
        ]


class AdjustmentInputSerializer(InputSerializer):
    customer = IdField(queryset=Customer.objects.all())
    points = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000)
    reason = serializers.CharField(max_length=500)


class RewardSerializer(serializers.ModelSerializer):
    available = serializers.SerializerMethodField()

    class Meta:
        model = Reward
        fields = [
            "id",
            "name",
            "description",
            "cost",
            "stock",
            "per_customer_limit",
            "active_from",
            "active_to",
            "is_active",
            "available",
        ]
        read_only_fields = ["id", "available"]

    def get_available(self, reward) -> bool:
        from loyalty.services.redemptions import reward_is_available

        return reward_is_available(reward)


class RewardInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    cost = serializers.IntegerField(min_value=1, max_value=10_000_000)
    stock = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, allow_null=True
    )
    per_customer_limit = serializers.IntegerField(
        min_value=1, max_value=1_000_000, required=False, allow_null=True
    )
    active_from = serializers.DateField(required=False, allow_null=True)
    active_to = serializers.DateField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


class RedemptionOutputSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="account.customer_id", read_only=True)
    reward_name = serializers.CharField(source="reward.name", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    balance = serializers.IntegerField(source="account.balance", read_only=True)
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Redemption
        fields = [
            "id",
            "customer",
            "reward",
            "reward_name",
            "points",
            "code",
            "status",
            "created_at",
            "created_by",
            "cancelled_at",
            "balance",
            "currency",
        ]

    def get_currency(self, redemption) -> str:
        return settings.CURRENCY


class RedemptionInputSerializer(InputSerializer):
    customer = IdField(queryset=Customer.objects.all())
    reward = IdField(queryset=Reward.objects.all())


class ReferralInputSerializer(InputSerializer):
    referrer = IdField(queryset=Customer.objects.all())
    referred = IdField(queryset=Customer.objects.all())
