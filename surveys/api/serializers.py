"""Input and output shapes of the surveys API. Inputs validate types; services the rules."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import IdField, InputSerializer
from crm.models import Customer, Team
from surveys.models import Answer, Invitation, Question, Response, Survey
from surveys.services import LANGUAGE_CODES, MAX_SURVEY_TEXT

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


def _texts(**kwargs) -> serializers.DictField:
    """{language: text}; the service checks the languages and lengths."""
    return serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=MAX_SURVEY_TEXT), **kwargs
    )


class SurveyUpdateInputSerializer(InputSerializer):
    """PATCH: only the fields given change; a text field replaces all its languages."""

    name = serializers.CharField(max_length=150)
    purpose = serializers.CharField(max_length=300, allow_blank=True)
    title = _texts()
    intro = _texts()
    thanks = _texts()
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CODES),
        allow_empty=False,
        max_length=len(LANGUAGE_CODES),
    )
    completion_bonus = serializers.IntegerField(min_value=1, max_value=1_000_000, allow_null=True)
    response_days = serializers.IntegerField(min_value=1, max_value=365)
    frequency_days = serializers.IntegerField(min_value=0, max_value=3650)
    trigger = serializers.ChoiceField(choices=Survey.Trigger.choices)
    trigger_days = serializers.IntegerField(min_value=0, max_value=365)
    reminder_days = serializers.IntegerField(min_value=1, max_value=60)
    reminder_max = serializers.IntegerField(min_value=0, max_value=5)
    allow_anonymous = serializers.BooleanField()
    follow_up_team = IdField(queryset=Team.objects.all(), allow_null=True)
    nps_detractor_max = serializers.IntegerField(min_value=0, max_value=10)
    csat_detractor_max = serializers.IntegerField(min_value=0, max_value=5)
    ces_detractor_max = serializers.IntegerField(min_value=0, max_value=7)


class SurveyDetailOutputSerializer(SurveyOutputSerializer):
    """A survey with its texts and every setting, as PATCH answers."""

    class Meta(SurveyOutputSerializer.Meta):
        fields = [
            *SurveyOutputSerializer.Meta.fields,
            "purpose",
            "title",
            "intro",
            "thanks",
            "follow_up_team",
            "nps_detractor_max",
            "csat_detractor_max",
            "ces_detractor_max",
        ]


class ChoiceSerializer(InputSerializer):
    value = serializers.CharField(max_length=100)
    label = serializers.DictField(child=serializers.CharField(max_length=MAX_SURVEY_TEXT))


class QuestionInputSerializer(InputSerializer):
    """POST needs kind and text; PATCH takes any of the fields. `text` and `choices`
    replace the whole field; choices only for the `single` and `multiple` kinds."""

    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    required = serializers.BooleanField(required=False)
    text = serializers.DictField(child=serializers.CharField(max_length=MAX_SURVEY_TEXT))
    choices = ChoiceSerializer(many=True, required=False, max_length=100)


class QuestionOutputSerializer(serializers.ModelSerializer):
    locked = serializers.SerializerMethodField(
        help_text="A scored question of a survey with answers: only its text can change."
    )

    class Meta:
        model = Question
        fields = ["id", "position", "kind", "required", "text", "choices", "locked"]

    def get_locked(self, question) -> bool:
        return question.scored and self.context["answered"]
