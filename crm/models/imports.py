"""CSV imports started from the page: the file, its column mapping, progress and report."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        ORDERS = "orders", _("Orders")

    class Mode(models.TextChoices):
        HISTORY = "history", _("History (no loyalty points for old orders)")
        LIVE = "live", _("Live (order events sent, as for new orders)")

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Columns to match")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.HISTORY)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.MAPPING
    )
    filename = models.CharField(_("file"), max_length=255)
    # The file itself, kept in the database so a worker on another machine reads it.
    content = models.BinaryField(_("content"))
    encoding = models.CharField(_("encoding"), max_length=12, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    header = models.JSONField(_("columns of the file"), default=list)
    # {column of the file: Retain's column}; columns not in it are ignored.
    mapping = models.JSONField(_("column mapping"), default=dict)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    # The ImportReport of the check and of the import, as JSON.
    report = models.JSONField(_("report"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["customers", "orders"]), name="crm_importjob_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(rows_done__lte=models.F("rows_total")),
                name="crm_importjob_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"


class ImportLayout(models.Model):
    """A column mapping remembered for one file layout (kind and the file's header), so
    next month's export from the same shop maps itself."""

    kind = models.CharField(_("kind"), max_length=10, choices=ImportJob.Kind.choices)
    signature = models.CharField(_("header signature"), max_length=64)
    mapping = models.JSONField(_("column mapping"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("import layout")
        constraints = [
            models.UniqueConstraint(fields=["kind", "signature"], name="crm_importlayout_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.signature[:8]}"
