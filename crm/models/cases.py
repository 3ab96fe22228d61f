"""Support cases (tickets) and the team queues they wait in.

A case's comments are Interactions linked to it (`Interaction.case`): an internal
note, a reply to the customer (outbound) or the customer's answer (inbound), so they
are on the customer's timeline like every other conversation. Which status may follow
which, and what each change stamps, is `crm.services.cases`; the constraints below
keep the stamps consistent with the status whatever writes the row.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from crm.models.customers import Customer, _moment_in_range


class Team(models.Model):
    """A team queue: cases wait here until someone of the team takes them."""

    name = models.CharField(_("name"), max_length=80)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="case_teams", blank=True, verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="crm_team_name_ci_unique",
                violation_error_message=_("A team with this name already exists."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="crm_team_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Manual")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        CHAT = "chat", _("Chat")
        SURVEY = "survey", _("Survey response")

    # Statuses in which someone still has to act; the queue shows these by default.
    ACTIVE = (Status.NEW, Status.OPEN, Status.PENDING)
    # Statuses whose due time counts: a case pending the customer waits on them, not us.
    ON_THE_CLOCK = (Status.NEW, Status.OPEN)

    number = models.PositiveIntegerField(_("number"), unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="cases", verbose_name=_("customer")
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("team"),
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopened_count = models.PositiveIntegerField(_("times reopened"), default=0)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opened_cases",
        verbose_name=_("opened by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The queue: active cases by due time; "my cases" by assignee.
            models.Index(fields=["status", "due_at"], name="crm_case_status_due_idx"),
            models.Index(fields=["assignee", "status"], name="crm_case_assignee_idx"),
            models.Index(fields=["customer", "opened_at"], name="crm_case_customer_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="crm_case_number_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["new", "open", "pending", "resolved", "closed"]),
                name="crm_case_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=["low", "normal", "high", "urgent"]),
                name="crm_case_priority_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["manual", "phone", "email", "chat", "survey"]),
                name="crm_case_source_valid",
            ),
            models.CheckConstraint(condition=~Q(subject=""), name="crm_case_subject_not_blank"),
            # The stamps follow the status: resolved cases have resolved_at, closed ones
            # closed_at, active ones neither (a reopen clears them).
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False, closed_at=None),
                name="crm_case_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="crm_case_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["new", "open", "pending"])
                | Q(resolved_at=None, closed_at=None),
                name="crm_case_active_has_no_end",
            ),
            models.CheckConstraint(
                condition=Q(first_response_at=None) | Q(first_response_at__gte=F("opened_at")),
                name="crm_case_response_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at=None) | Q(resolved_at__gte=F("opened_at")),
                name="crm_case_resolved_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(closed_at=None) | Q(closed_at__gte=F("opened_at")),
                name="crm_case_closed_after_opening",
            ),
            models.CheckConstraint(
                condition=_moment_in_range("opened_at"), name="crm_case_opened_at_in_range"
            ),
            models.CheckConstraint(
                condition=_moment_in_range("due_at", nullable=True),
                name="crm_case_due_at_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        """The number people say and search for: C-1042."""
        return f"C-{self.number}"


class CaseCounter(models.Model):
    """The last case number given (one row): numbers never come back, not even when the
    newest case goes with its deleted customer, so "C-1061" always means one case."""

    last = models.PositiveIntegerField(_("last number"))

    class Meta:
        verbose_name = _("case counter")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="crm_casecounter_one_row")]

    def __str__(self) -> str:
        return f"C-{self.last}"
