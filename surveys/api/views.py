"""The surveys REST API: surveys (list, create from a template), invitations (list,
invite one customer), responses (read only); and the public submit endpoint, for apps
that embed a survey: no login, the link's token is the credential. Answers as on the
page: {"q<question id>": value}.

Marketing edits a survey with PATCH and its questions under /surveys/{id}/questions/.

Refusals are the services' ApplicationError codes in the API's error shape:
`survey_inactive`, `no_email_consent`, `too_soon`, `already_invited`,
`question_locked` (409).
"""

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import InputSerializer, KnownQueryParamsMixin
from config.api import StrictOrderingFilter as OrderingFilter
from config.permissions import RolePermissions
from crm.selectors import customer_visible
from surveys import selectors, services
from surveys.api import serializers as s
from surveys.forms import CATEGORY_CHOICES, DayField
from surveys.models import Invitation, Question, Survey
from surveys.models import Response as SurveyResponse
from surveys.views.public import rate_limited

REFUSALS = {
    409: OpenApiResponse(
        description="survey_inactive, no_email_consent, too_soon or already_invited"
    ),
}


def _visible_or_anonymous(user) -> Q:
    """Rows of customers the user may see, and anonymous ones (the public link)."""
    return Q(customer__isnull=True) | Q(customer__in=customer_visible(user=user))


class QuestionPermissions(RolePermissions):
    """Questions: reading them is reading the survey (view_survey); writing them needs
    change_survey and the question permission of the method (add, change, delete)."""

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return super().has_permission(request, view)  # view_survey
        if not (request.user and request.user.is_authenticated):
            return False
        perms = [
            "surveys.change_survey",
            *self.get_required_permissions(request.method, Question),
        ]
        return request.user.has_perms(perms)


QUESTION_LOCKED = {409: OpenApiResponse(description="question_locked")}
QID = OpenApiParameter("qid", int, OpenApiParameter.PATH, description="The question's id.")


class SurveyFilter(django_filters.FilterSet):
    class Meta:
        model = Survey
        fields = ["status"]


class SurveyViewSet(
    KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Surveys newest first, with their scored kind and counts. POST creates a draft from
    the NPS, CSAT or CES template (Marketing), PATCH changes its settings and texts;
    activating is done on the page."""

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

    @extend_schema(
        request=s.SurveyUpdateInputSerializer,
        responses={
            200: s.SurveyDetailOutputSerializer,
            400: OpenApiResponse(description="invalid"),
        },
    )
    def partial_update(self, request, pk=None):
        survey = self.get_object()
        serializer = s.SurveyUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.survey_update(survey=survey, data=dict(serializer.validated_data))
        survey = self.get_queryset().get(pk=survey.pk)
        return Response(s.SurveyDetailOutputSerializer(survey).data)

    def _question_output(self, survey: Survey, question=None, *, many=False, **kwargs):
        answered = survey.responses.exists()  # not the annotation: it predates a write
        rows = survey.questions.order_by("position") if many else question
        data = s.QuestionOutputSerializer(rows, many=many, context={"answered": answered}).data
        return Response(data, **kwargs)

    def _question_data(self, survey: Survey, request, *, partial: bool) -> dict:
        serializer = s.QuestionInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "choices" in data:
            data["choices"] = services.question_choices_clean(
                choices=[dict(c) for c in data["choices"]], languages=survey.languages
            )
        return data

    @extend_schema(methods=["GET"], responses={200: s.QuestionOutputSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=s.QuestionInputSerializer,
        responses={
            201: s.QuestionOutputSerializer,
            400: OpenApiResponse(description="invalid"),
            **QUESTION_LOCKED,
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[QuestionPermissions],
        pagination_class=None,
        filter_backends=[],
    )
    def questions(self, request, pk=None):
        """The survey's questions in order; POST adds one at the end (refused with
        `question_locked` once the survey has answers)."""
        survey = self.get_object()
        if request.method == "GET":
            return self._question_output(survey, many=True)
        data = self._question_data(survey, request, partial=False)
        data["position"] = selectors.question_next_position(survey=survey)
        question = services.question_save(survey=survey, data=data)
        return self._question_output(survey, question, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        parameters=[QID],
        request=s.QuestionInputSerializer,
        responses={
            200: s.QuestionOutputSerializer,
            400: OpenApiResponse(description="invalid"),
            **QUESTION_LOCKED,
        },
    )
    @extend_schema(methods=["DELETE"], parameters=[QID], responses={204: None, **QUESTION_LOCKED})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"questions/(?P<qid>[0-9]+)",
        permission_classes=[QuestionPermissions],
        filter_backends=[],
    )
    def question(self, request, pk=None, qid=None):
        """Change a question (only its text once it is scored and answered) or delete
        it (refused once the survey has answers): `question_locked` (409)."""
        survey = self.get_object()
        question = survey.questions.filter(pk=int(qid)).first() if len(qid) < 19 else None
        if question is None:
            raise Http404
        question.survey = survey
        if request.method == "DELETE":
            services.question_delete(question=question)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = self._question_data(survey, request, partial=True)
        question = services.question_save(survey=survey, data=data, question=question)
        return self._question_output(survey, question)


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
        if rate_limited(request, data["token"]):
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
