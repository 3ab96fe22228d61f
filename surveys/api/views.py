"""The surveys REST API: surveys (list, create from a template), invitations (list,
invite one customer), responses (read only); and the public submit endpoint, for apps
that embed a survey: no login, the link's token is the credential. Answers as on the
page: {"q<question id>": value}.

Refusals are the services' ApplicationError codes in the API's error shape:
`survey_inactive`, `no_email_consent`, `too_soon`, `already_invited` (409).
"""

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import InputSerializer, KnownQueryParamsMixin
from config.api import StrictOrderingFilter as OrderingFilter
from crm.selectors import customer_visible
from surveys import selectors, services
from surveys.api import serializers as s
from surveys.forms import CATEGORY_CHOICES, DayField
from surveys.models import Invitation, Survey
from surveys.models import Response as SurveyResponse
from surveys.views.public import _limited

REFUSALS = {
    409: OpenApiResponse(
        description="survey_inactive, no_email_consent, too_soon or already_invited"
    ),
}


def _visible_or_anonymous(user) -> Q:
    """Rows of customers the user may see, and anonymous ones (the public link)."""
    return Q(customer__isnull=True) | Q(customer__in=customer_visible(user=user))


class SurveyFilter(django_filters.FilterSet):
    class Meta:
        model = Survey
        fields = ["status"]


class SurveyViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Surveys newest first, with their scored kind and counts. POST creates a draft from
    the NPS, CSAT or CES template (Marketing); activating is done on the page."""

    serializer_class = s.SurveyOutputSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = SurveyFilter
    ordering_fields = ["created_at", "name"]
    queryset = Survey.objects.none()

    def get_queryset(self):
        return selectors.survey_list()

    @extend_schema(
        request=s.SurveyCreateInputSerializer,
        responses={201: s.SurveyOutputSerializer, 400: OpenApiResponse(description="invalid")},
    )
    def create(self, request):
        serializer = s.SurveyCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        survey = services.survey_from_template(**serializer.validated_data)
        survey = self.get_queryset().get(pk=survey.pk)
        return Response(s.SurveyOutputSerializer(survey).data, status=status.HTTP_201_CREATED)


class InvitationFilter(django_filters.FilterSet):
    class Meta:
        model = Invitation
        fields = ["survey", "customer"]


class InvitationViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Invitations newest first. POST `{survey, customer, channel}` invites one customer
    after the survey's rules; an email invitation is sent after commit, a `link` one is
    returned with its link for you to send."""

    serializer_class = s.InvitationOutputSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = InvitationFilter
    ordering_fields = ["created_at", "responded_at"]
    queryset = Invitation.objects.none()

    def get_queryset(self):
        return Invitation.objects.filter(_visible_or_anonymous(self.request.user)).order_by(
            "-created_at", "-id"
        )

    @extend_schema(
        request=s.InvitationInputSerializer,
        responses={201: s.InvitationCreatedSerializer, **REFUSALS},
    )
    def create(self, request):
        serializer = s.InvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = data["customer"]
        if not customer_visible(user=request.user).filter(pk=customer.pk).exists():
            raise ValidationError({"customer": _("Unknown customer.")})
        with transaction.atomic():
            invitation = services.invitation_create(
                survey=data["survey"], customer=customer, channel=data["channel"]
            )
            # As invitations_send does for each customer: the email goes after commit.
            services.invitation_send_later(invitation=invitation)
        return Response(
            s.InvitationCreatedSerializer(invitation).data, status=status.HTTP_201_CREATED
        )


class _DayFilter(django_filters.DateFilter):
    field_class = DayField


class ResponseFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=CATEGORY_CHOICES[1:])
    submitted_from = _DayFilter(method="filter_from", label="Submitted on or after (a day)")
    submitted_to = _DayFilter(method="filter_to", label="Submitted on or before (a day)")

    class Meta:
        model = SurveyResponse
        fields = ["survey", "customer", "category", "submitted_from", "submitted_to"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(submitted_at__gte=selectors.day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(
            submitted_at__lt=selectors.day_start(value + datetime.timedelta(days=1))
        )


class ResponseViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Responses newest first with their answers (read only); `submitted_from` and
    `submitted_to` are business days, both included."""

    serializer_class = s.ResponseOutputSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = ResponseFilter
    ordering_fields = ["submitted_at", "score"]
    queryset = SurveyResponse.objects.none()

    def get_queryset(self):
        return (
            selectors.response_list()
            .filter(_visible_or_anonymous(self.request.user))
            .prefetch_related("answers")
        )


class PublicResponseInputSerializer(InputSerializer):
    token = serializers.CharField(max_length=64)
    answers = serializers.DictField(child=serializers.JSONField(), allow_empty=False)
    language = serializers.CharField(max_length=8, required=False)


class PublicResponseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.IntegerField(source="survey_id")
    submitted_at = serializers.DateTimeField()
    bonus_points = serializers.IntegerField()


class PublicResponseView(APIView):
    """Submit a customer's answers once. 400 with one error per question; 404 for an
    unknown token, 410 expired or closed, 409 `already_answered`, 429 too many."""

    permission_classes = [AllowAny]
    authentication_classes = []  # the token is the credential; no session, no CSRF
    throttle_classes = []  # limited per address and per link, as the page is

    @extend_schema(
        request=PublicResponseInputSerializer,
        responses={
            201: PublicResponseOutputSerializer,
            400: OpenApiResponse(description="field errors"),
            404: OpenApiResponse(description="unknown_link"),
            409: OpenApiResponse(description="already_answered"),
            410: OpenApiResponse(description="link_expired or survey_closed"),
        },
    )
    def post(self, request):
        serializer = PublicResponseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if _limited(request, data["token"]):
            return Response(
                {
                    "code": "throttled",
                    "message": _("Too many requests; please try again in a minute."),
                    "fields": {},
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        response = services.response_submit(
            token=data["token"], answers=data["answers"], language=data.get("language")
        )
        return Response(
            PublicResponseOutputSerializer(response).data, status=status.HTTP_201_CREATED
        )
