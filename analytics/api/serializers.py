import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from analytics.models import CustomerScore, ModelFit, RecomputeRun, Snapshot
from analytics.periods import ALL_TYPES
from config.api import InputSerializer

EARLIEST = datetime.date(2000, 1, 1)


class SnapshotOutputSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    components = serializers.DictField(help_text="The figures behind the value (S, E, N, ...).")

    class Meta:
        model = Snapshot
        fields = [
            "metric",
            "period_type",
            "period_start",
            "period_end",
            "dimension",
            "value",
            "components",
            "as_of",
            "definition_version",
            "computed_at",
        ]


class CohortCellSerializer(serializers.Serializer):
    offset = serializers.IntegerField(help_text="Months after the cohort month.")
    active = serializers.IntegerField(help_text="Customers with an order day in that month.")
    share = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class CohortOutputSerializer(serializers.Serializer):
    cohort = serializers.DateField(help_text="The first day of the acquisition month.")
    size = serializers.IntegerField()
    cells = CohortCellSerializer(many=True)


class RecomputeInputSerializer(InputSerializer):
    as_of = serializers.DateField(
        required=False, help_text="The last day computed; today if left out."
    )
    first_day = serializers.DateField(
        required=False, help_text="Backfill from this day (at most three years before as_of)."
    )
    metrics = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=50
    )
    period_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_TYPES), required=False, max_length=7
    )

    def validate(self, data):
        today = timezone.localdate()
        as_of = data.get("as_of") or today
        if as_of > today:
            raise serializers.ValidationError(
                {"as_of": [_("The as-of day cannot be in the future.")]}
            )
        if as_of < EARLIEST:
            raise serializers.ValidationError({"as_of": [_("Enter a day from 2000 on.")]})
        first_day = data.get("first_day") or as_of
        if first_day > as_of:
            raise serializers.ValidationError(
                {"first_day": [_("The first day cannot be after the as-of day.")]}
            )
        if (as_of - first_day).days > 3 * 366:
            raise serializers.ValidationError(
                {"first_day": [_("Backfill at most three years at a time.")]}
            )
        data["as_of"], data["first_day"] = as_of, first_day
        return data


class RunOutputSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = RecomputeRun
        fields = [
            "id",
            "status",
            "first_day",
            "last_day",
            "metrics",
            "trigger",
            "steps_done",
            "steps_total",
            "percent",
            "rows",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


class ScoreOutputSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    fit = serializers.IntegerField(source="fit_id", help_text="The fit the score came from.")

    class Meta:
        model = CustomerScore
        fields = [
            "customer",
            "as_of",
            "order_days",
            "first_order_on",
            "last_order_on",
            "revenue",
            "mean_spend",
            "p_alive",
            "risk",
            "expected_orders",
            "expected_spend",
            "clv",
            "fit",
        ]


class FitOutputSerializer(serializers.ModelSerializer):
    checks = serializers.ListField(
        child=serializers.DictField(),
        help_text="Holdout checks: per group of repeat order days before the holdout, the "
        "customers and the mean predicted and actual order days in it.",
    )

    class Meta:
        model = ModelFit
        fields = [
            "id",
            "kind",
            "status",
            "message",
            "as_of",
            "calibration_end",
            "customers",
            "repeaters",
            "r",
            "alpha",
            "a",
            "b",
            "bgnbd_log_likelihood",
            "p",
            "q",
            "gamma",
            "spend_log_likelihood",
            "checks",
            "scored",
            "scored_with",
            "started_at",
            "finished_at",
        ]
