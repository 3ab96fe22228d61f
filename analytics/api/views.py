"""The analytics API: stored snapshots and the cohort table (read), recomputes (Admin
and Marketing), and the predictive scores and fits (read)."""

import django_filters
from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from analytics import selectors, services, tasks
from analytics.api import serializers as s
from analytics.metrics import metrics
from analytics.models import CohortCell, CustomerScore, ModelFit, RecomputeRun, Snapshot
from analytics.periods import ALL_TYPES
from config.api import KnownQueryParamsMixin
from config.api import StrictOrderingFilter as OrderingFilter
from crm.filters import IdFilter
from crm.selectors import customer_visible


class _SnapshotFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end is before the start."))
        return data


class SnapshotFilter(django_filters.FilterSet):
    metric = django_filters.ChoiceFilter(choices=lambda: [(m.key, m.key) for m in metrics()])
    period_type = django_filters.ChoiceFilter(choices=[(key, key) for key in ALL_TYPES])
    dimension = django_filters.CharFilter(max_length=60)
    # ISO dates only: the same address means the same rows whatever the client's language.
    start = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="gte",
        label="Periods starting on or after (YYYY-MM-DD)",
        input_formats=["%Y-%m-%d"],
    )
    end = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="lte",
        label="Periods starting on or before (YYYY-MM-DD)",
        input_formats=["%Y-%m-%d"],
    )

    class Meta:
        model = Snapshot
        fields = ["metric", "period_type", "dimension", "start", "end"]
        form = _SnapshotFilterForm


class SnapshotViewSet(KnownQueryParamsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stored figures, one row per metric, period type, period start and dimension
    ("all", "segment:<id>", "tier:<id>", "nps:promoter|passive|detractor",
    "channel:<channel>"); docs/metrics.md defines each metric and its components."""

    serializer_class = s.SnapshotOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SnapshotFilter
    queryset = Snapshot.objects.none()

    def get_queryset(self):
        return selectors.snapshot_list()


class CohortViewSet(viewsets.GenericViewSet):
    """The monthly acquisition-cohort table: for each cohort month, its size and the
    share of it with an order day in each later month."""

    queryset = CohortCell.objects.none()
    serializer_class = s.CohortOutputSerializer
    pagination_class = None

    @extend_schema(responses={200: s.CohortOutputSerializer(many=True)})
    def list(self, request):
        unknown = sorted(set(request.query_params) - {"format"})
        if unknown:
            raise ValidationError(
                {name[:100]: [_("Unknown query parameter.")] for name in unknown[:20]}
            )
        table = selectors.cohort_table()
        return Response(s.CohortOutputSerializer(table["rows"], many=True).data)


class RecomputeViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Start a recompute (POST, 202: it runs in a worker) and follow its progress
    (GET /recompute/{id}/). 409 `recompute_running` while another one runs."""

    queryset = RecomputeRun.objects.all()
    serializer_class = s.RunOutputSerializer

    @extend_schema(request=s.RecomputeInputSerializer, responses={202: s.RunOutputSerializer})
    def create(self, request):
        serializer = s.RecomputeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        run = services.run_request(
            as_of=data["as_of"],
            first_day=data["first_day"],
            metric_keys=data.get("metrics"),
            period_types=data.get("period_types"),
            trigger="api",
            user=request.user,
        )
        transaction.on_commit(lambda: tasks.recompute_run.delay(run.pk))
        return Response(s.RunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class _ScoreFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        low, high = data.get("p_alive_min"), data.get("p_alive_max")
        if low is not None and high is not None and low > high:
            self.add_error("p_alive_max", _("The upper bound is below the lower one."))
        return data


class ScoreFilter(django_filters.FilterSet):
    risk = django_filters.MultipleChoiceFilter(choices=CustomerScore.Risk.choices)
    customer = IdFilter(field_name="customer_id")
    p_alive_min = django_filters.NumberFilter(
        field_name="p_alive", lookup_expr="gte", min_value=0, max_value=1,
        label="P(alive) at least (0 to 1)",
    )  # fmt: skip
    p_alive_max = django_filters.NumberFilter(
        field_name="p_alive", lookup_expr="lte", min_value=0, max_value=1,
        label="P(alive) at most (0 to 1)",
    )  # fmt: skip
    clv_min = django_filters.NumberFilter(
        field_name="clv", lookup_expr="gte", min_value=0, max_value=10**12,
        label="Predictive 12-month CLV at least",
    )  # fmt: skip

    class Meta:
        model = CustomerScore
        fields = ["risk", "customer", "p_alive_min", "p_alive_max", "clv_min"]
        form = _ScoreFilterForm


class ScoreViewSet(KnownQueryParamsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every customer's predictive scores from the last nightly fit (docs/metrics.md
    "Predictive retention"): P(alive), the churn-risk band, expected order days and spend,
    the 12-month CLV and the order-day summary they came from. Customers without a
    completed order have no score."""

    serializer_class = s.ScoreOutputSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = ScoreFilter
    ordering_fields = ["clv", "p_alive", "revenue", "last_order_on", "expected_orders"]
    queryset = CustomerScore.objects.none()

    def get_queryset(self):
        visible = customer_visible(user=self.request.user)
        return CustomerScore.objects.filter(customer__in=visible).order_by("-clv", "customer_id")


class FitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ModelFit.Kind.choices)
    status = django_filters.ChoiceFilter(choices=ModelFit.Status.choices)

    class Meta:
        model = ModelFit
        fields = ["kind", "status"]


class FitViewSet(KnownQueryParamsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The fits of the predictive models, newest first: nightly fits and holdout checks,
    with their status, parameters, log-likelihoods and (holdout) per-group checks."""

    serializer_class = s.FitOutputSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = FitFilter
    ordering_fields = ["started_at", "as_of"]
    queryset = ModelFit.objects.none()

    def get_queryset(self):
        return ModelFit.objects.order_by("-started_at", "-id")
