"""Surveys, their questions, personal invitations and the answers customers give.

Customer-facing texts are stored per language ({"en": "...", "lv": "..."}); a survey
lists the languages it speaks. One response per invitation is a unique key, so a second
submission (a double click, a replayed link) can never store a second answer.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=150)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    languages = models.JSONField(_("languages"), default=list)
    title = models.JSONField(_("title"), default=dict, help_text=_("Per language."))
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    thanks = models.JSONField(_("thank-you text"), default=dict, blank=True)
    completion_bonus = models.PositiveIntegerField(
        _("completion bonus (points)"), null=True, blank=True
    )
    response_days = models.PositiveSmallIntegerField(
        _("days to answer"), default=30, help_text=_("An invitation expires after this.")
    )
    frequency_days = models.PositiveSmallIntegerField(
        _("survey a customer at most once per (days)"), default=90
    )

    class Trigger(models.TextChoices):
        NONE = "", _("Sent by staff only")
        CASE_RESOLVED = "case_resolved", _("When a case is resolved")
        FIRST_ORDER = "first_order", _("Some days after the first order")

    trigger = models.CharField(
        _("sent automatically"), max_length=15, choices=Trigger.choices, default="", blank=True
    )
    trigger_days = models.PositiveSmallIntegerField(_("days after the first order"), default=14)
    reminder_days = models.PositiveSmallIntegerField(
        _("remind non-responders after (days)"), default=5
    )
    reminder_max = models.PositiveSmallIntegerField(_("at most this many reminders"), default=1)
    allow_anonymous = models.BooleanField(_("anonymous public link"), default=False)
    # Follow-up cases go to the customer's owner; without one, to this team's queue.
    follow_up_team = models.ForeignKey(
        "crm.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team for follow-up cases"),
    )
    public_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Detractor thresholds: an answer at or below opens a follow-up case.
    nps_detractor_max = models.PositiveSmallIntegerField(default=6)
    csat_detractor_max = models.PositiveSmallIntegerField(default=2)
    ces_detractor_max = models.PositiveSmallIntegerField(default=3)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "closed"]), name="surveys_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(response_days__gte=1, response_days__lte=365),
                name="surveys_response_days_range",
            ),
            models.CheckConstraint(
                condition=Q(frequency_days__lte=3650), name="surveys_frequency_range"
            ),
            models.CheckConstraint(
                condition=Q(completion_bonus__isnull=True) | Q(completion_bonus__lte=1_000_000),
                name="surveys_bonus_range",
            ),
            models.CheckConstraint(
                condition=Q(trigger_days__lte=365, reminder_days__gte=1, reminder_days__lte=60)
                & Q(reminder_max__lte=5),
                name="surveys_timing_range",
            ),
            models.CheckConstraint(
                condition=Q(nps_detractor_max__lte=10, csat_detractor_max__lte=5)
                & Q(ces_detractor_max__lte=7),
                name="surveys_thresholds_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        NPS = "nps", _("Net Promoter Score (0-10)")
        CSAT = "csat", _("Satisfaction (1-5)")
        CES = "ces", _("Effort (1-7)")
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        TEXT = "text", _("Free text")

    SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=True)
    text = models.JSONField(_("question"), default=dict, help_text=_("Per language."))
    # For choice questions: [{"value": "price", "label": {"en": "Price", ...}}, ...]
    choices = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        ordering = ["survey", "position"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="surveys_question_order"),
            models.CheckConstraint(
                condition=Q(kind__in=["nps", "csat", "ces", "single", "multiple", "text"]),
                name="surveys_question_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}.{self.position} {self.kind}"

    @property
    def scored(self) -> bool:
        return self.kind in self.SCALES


class Invitation(models.Model):
    """One customer's personal link to one survey (or the survey's public link when no
    customer). The token is 256 random bits, URL-safe."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        LINK = "link", _("Link")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Sent by staff")
        CASE_RESOLVED = "case_resolved", _("A case was resolved")
        FIRST_ORDER = "first_order", _("After the first order")

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("survey")
    )
    customer = models.ForeignKey(
        "crm.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("customer"),
    )
    token = models.CharField(max_length=64, unique=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    language = models.CharField(_("language"), max_length=8, default="en")
    trigger = models.CharField(
        _("trigger"), max_length=15, choices=Trigger.choices, default=Trigger.MANUAL
    )
    # What the trigger fired for ("case:1042"); one invitation per survey and key.
    trigger_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminder_at = models.DateTimeField(_("last reminder"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [
            models.Index(fields=["customer", "created_at"], name="surveys_invitation_cust_idx"),
            models.Index(fields=["survey", "responded_at"], name="surveys_invitation_resp_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "customer"],
                condition=Q(customer__isnull=False),
                name="surveys_one_invitation_per_customer",
            ),
            models.UniqueConstraint(
                fields=["survey", "trigger_key"],
                condition=~Q(trigger_key=""),
                name="surveys_one_invitation_per_trigger",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="surveys_invitation_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.customer_id or '-'}"


class Response(models.Model):
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey")
    )
    # One response per personal invitation: the database refuses a second.
    invitation = models.OneToOneField(
        Invitation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response",
        verbose_name=_("invitation"),
    )
    customer = models.ForeignKey(
        "crm.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("customer"),
    )
    language = models.CharField(_("language"), max_length=8)
    submitted_at = models.DateTimeField(_("answered"), default=timezone.now)
    # The response's headline score and its category, for lists, segments and metrics.
    score_kind = models.CharField(max_length=10, blank=True)
    score = models.SmallIntegerField(null=True, blank=True)
    category = models.CharField(
        max_length=10, blank=True, help_text="promoter, passive or detractor (NPS); or ok"
    )
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    bonus_points = models.PositiveIntegerField(_("bonus points"), default=0)
    follow_up = models.ForeignKey(
        "crm.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up case"),
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [
            models.Index(fields=["survey", "submitted_at"], name="surveys_response_survey_idx"),
            models.Index(fields=["customer", "submitted_at"], name="surveys_response_cust_idx"),
            # Answers by the time they came (period figures).
            models.Index(fields=["submitted_at"], name="surveys_response_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True, max_length=5000)

    class Meta:
        ordering = ["response", "question__position"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="surveys_one_answer"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=10),
                name="surveys_answer_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}"
