"""Input and output shapes of the surveys API. Inputs validate types; services the rules."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import IdField, InputSerializer
from crm.models import Customer
from surveys.models import Answer, Invitation, Response, Survey

TEMPLATES = ["nps", "csat", "ces"]


class SurveyOutputSerializer(serializers.ModelSerializer):
    """A survey from surveys.selectors.survey_list, with its counts."""

    scored_kind = serializers.CharField(read_only=True, allow_null=True)
    invited = serializers.IntegerField(read_only=True)
    answered = serializers.IntegerField(read_only=True)
    responses = serializers.IntegerField(source="responses_count", read_only=True)
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "id",
            "name",
            "status",
            "languages",
            "scored_kind",
            "completion_bonus",
            "response_days",
            "frequency_days",
            "trigger",
            "trigger_days",
            "reminder_days",
            "reminder_max",
            "allow_anonymous",
            "public_url",
            "invited",
            "answered",
            "responses",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_public_url(self, survey) -> str | None:
        if survey.allow_anonymous and survey.public_token:
            return f"{settings.PUBLIC_BASE_URL}/s/{survey.public_token}/"
        return None


class SurveyCreateInputSerializer(InputSerializer):
    template = serializers.ChoiceField(choices=TEMPLATES)
    name = serializers.CharField(max_length=150)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=[code for code, _name in settings.LANGUAGES]),
        required=False,
        allow_empty=False,
        max_length=len(settings.LANGUAGES),
    )
    completion_bonus = serializers.IntegerField(
        min_value=1, max_value=1_000_000, required=False, allow_null=True
    )
    response_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    frequency_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    trigger = serializers.ChoiceField(choices=Survey.Trigger.choices, required=False)
    trigger_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    reminder_days = serializers.IntegerField(min_value=1, max_value=60, required=False)
    reminder_max = serializers.IntegerField(min_value=0, max_value=5, required=False)
    allow_anonymous = serializers.BooleanField(required=False)


class InvitationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = [
            "id",
            "survey",
            "customer",
            "channel",
            "language",
            "trigger",
            "created_at",
            "sent_at",
            "opened_at",
            "responded_at",
            "expires_at",
            "reminders_sent",
        ]


class InvitationCreatedSerializer(InvitationOutputSerializer):
    """The new invitation with its personal link, for the caller to send when the
    channel is `link` (only its creator sees the link: it is the customer's credential)."""

    link = serializers.SerializerMethodField()

    class Meta(InvitationOutputSerializer.Meta):
        fields = [*InvitationOutputSerializer.Meta.fields, "link"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_link(self, invitation) -> str:
        return f"{settings.PUBLIC_BASE_URL}/s/{invitation.token}/"


class InvitationInputSerializer(InputSerializer):
    survey = IdField(queryset=Survey.objects.all())
    customer = IdField(queryset=Customer.objects.all())
    channel = serializers.ChoiceField(
        choices=Invitation.Channel.choices, default=Invitation.Channel.EMAIL
    )


class AnswerOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["question", "score", "choices", "text"]


class ResponseOutputSerializer(serializers.ModelSerializer):
    follow_up = serializers.CharField(
        source="follow_up.reference", read_only=True, allow_null=True, default=None
    )
    answers = AnswerOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "survey",
            "customer",
            "language",
            "submitted_at",
            "score_kind",
            "score",
            "category",
            "comment",
            "bonus_points",
            "follow_up",
            "answers",
        ]
