"""Segments: saved rules that select customers (crm.segments compiles them)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    # {"match": "all"|"any", "conditions": [...]}, as crm.segments.rule_clean keeps it.
    rule = models.JSONField(_("rule"))
    tracked = models.BooleanField(
        _("tracked"),
        default=False,
        help_text=_("Compute this segment's retention figures every night."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="segments",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="crm_segment_name_ci_unique",
                violation_error_message=_("A segment with this name already exists."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="crm_segment_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class DataExport(models.Model):
    """A record of each CSV export of customer data: who took what, and when (the
    history page shows these; personal data leaving the system is worth knowing)."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        SEGMENT = "segment", _("Segment members")
        ORDERS = "orders", _("Orders")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("segment")
    )
    filters = models.CharField(_("filters"), max_length=2000, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="data_exports",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("exported"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filters}".strip()
