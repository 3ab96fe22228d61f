"""Imports started from the page: upload, match the columns, check, import (as tasks).

A job moves mapping -> checking -> checked -> importing -> done (or failed). The check
and the import run in Celery tasks (crm.tasks) that take the job's id; both call the
same importers as the command line (crm.imports).
"""

import dataclasses
import hashlib
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from crm.imports.columns import CUSTOMER_COLUMNS, ORDER_COLUMNS
from crm.imports.reading import ENCODINGS, FileError, open_rows
from crm.models import ImportJob, ImportLayout

COLUMNS = {ImportJob.Kind.CUSTOMERS: CUSTOMER_COLUMNS, ImportJob.Kind.ORDERS: ORDER_COLUMNS}
REQUIRED = {
    ImportJob.Kind.CUSTOMERS: [["external_id"]],
    ImportJob.Kind.ORDERS: [
        ["external_id"], ["customer_external_id", "customer_email"], ["placed_at"], ["total"]
    ],
}  # fmt: skip
# Names shops and spreadsheets use for our columns (lower case).
ALIASES = {
    "id": "external_id", "customer id": "external_id", "e-mail": "email", "mail": "email",
    "first name": "first_name", "last name": "last_name", "surname": "last_name",
    "telephone": "phone", "mobile": "phone", "order id": "external_id", "amount": "total",
    "date": "placed_at", "order date": "placed_at", "customer": "customer_external_id",
    "customer email": "customer_email", "items": "item_count", "quantity": "item_count",
}  # fmt: skip


def _signature(header: list[str]) -> str:
    return hashlib.sha256("\x1f".join(header).encode()).hexdigest()


def _guess_mapping(kind: str, header: list[str]) -> dict[str, str]:
    """The mapping remembered for this layout, or the columns named as ours (or as
    shops usually name them)."""
    remembered = ImportLayout.objects.filter(kind=kind, signature=_signature(header)).first()
    if remembered is not None:
        return {k: v for k, v in remembered.mapping.items() if k in header}
    mapping, taken = {}, set()
    for name in header:
        target = name if name in COLUMNS[kind] else ALIASES.get(name)
        if target in COLUMNS[kind] and target not in taken:
            mapping[name] = target
            taken.add(target)
    return mapping


@transaction.atomic
def import_job_create(
    *, kind: str, filename: str, content: bytes, user, mode: str = "history",
    encoding: str = "auto", delimiter: str = "",
) -> ImportJob:  # fmt: skip
    """Keep an uploaded file and read its header; the columns come next."""
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": _("Choose customers or orders.")})
    if mode not in ImportJob.Mode.values:
        raise ValidationError({"mode": _("Choose history or live.")})
    if encoding not in ("auto", *ENCODINGS):
        raise ValidationError({"encoding": _("Choose an encoding from the list.")})
    if delimiter not in ("", ",", ";"):
        raise ValidationError({"delimiter": _("Choose a comma or a semicolon.")})
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)s MB.")
                % {"mb": settings.IMPORT_MAX_BYTES // 2**20}
            }
        )
    try:
        header, _rows, used_encoding, used_delimiter = open_rows(
            io.BytesIO(content), encoding=encoding, delimiter=delimiter or None
        )
    except FileError as exc:
        raise ValidationError({"file": str(exc)}) from None
    return ImportJob.objects.create(
        kind=kind, mode=mode, filename=filename[:255], content=content,
        encoding=used_encoding, delimiter=used_delimiter, header=header,
        mapping=_guess_mapping(kind, header), created_by=user,
    )  # fmt: skip


def _locked(job: ImportJob, *statuses: str) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in statuses:
        status = job.get_status_display().lower()
        raise ApplicationError(
            "import_state", _("This import is %(s)s already.") % {"s": status}, status_code=409
        )
    return job


@transaction.atomic
def import_job_map(*, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Save which file column is which of ours (remembered for this layout) and check
    the whole file in a task."""
    job = _locked(job, ImportJob.Status.MAPPING, ImportJob.Status.CHECKED, ImportJob.Status.FAILED)
    columns = COLUMNS[job.kind]
    cleaned = {k: v for k, v in mapping.items() if v}
    errors = []
    for source, target in cleaned.items():
        if source not in job.header:
            errors.append(_("The file has no column %(c)s.") % {"c": source})
        elif target not in columns:
            errors.append(_("Unknown column %(c)s.") % {"c": target})
    targets = list(cleaned.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        errors.append(_("Each of ours is matched once: %(c)s twice.") % {"c": ", ".join(twice)})
    missing = [" / ".join(o) for o in REQUIRED[job.kind] if not set(o) & set(targets)]
    if missing:
        errors.append(_("Match these columns: %(c)s.") % {"c": ", ".join(missing)})
    if errors:
        raise ValidationError({"mapping": errors})
    job.mapping = cleaned
    job.status = ImportJob.Status.CHECKING
    job.report, job.rows_done, job.rows_total = {}, 0, 0
    job.save(update_fields=["mapping", "status", "report", "rows_done", "rows_total"])
    ImportLayout.objects.update_or_create(
        kind=job.kind, signature=_signature(job.header), defaults={"mapping": cleaned}
    )
    from crm.tasks import import_check

    job_id = job.pk
    transaction.on_commit(lambda: import_check.delay(job_id))
    return job


def _importer(job: ImportJob):
    from crm.imports.importers import customers_import, orders_import  # they use crm.services

    if job.kind == ImportJob.Kind.CUSTOMERS:
        return customers_import, {}
    return orders_import, {"mode": job.mode}


def import_job_check(*, job_id: int) -> ImportJob:
    """Check every row of the file (the task's work); nothing is written."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job  # a repeated task: the check is done
    importer, extra = _importer(job)
    try:
        report = importer(
            io.BytesIO(bytes(job.content)), dry_run=True, encoding=job.encoding,
            delimiter=job.delimiter, mapping=job.mapping, **extra,
        )  # fmt: skip
    except Exception:
        _fail(job)
        raise
    report.ignored_columns = [h for h in job.header if h and h not in job.mapping]
    job.report = dataclasses.asdict(report)
    job.rows_total = report.rows
    job.status = ImportJob.Status.CHECKED if not report.file_errors else ImportJob.Status.FAILED
    job.save(update_fields=["report", "rows_total", "status"])
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob) -> ImportJob:
    """Import a checked file with no bad row, in a task."""
    job = _locked(job, ImportJob.Status.CHECKED)
    if job.report.get("error_count") or job.report.get("file_errors"):
        message = _("Correct the bad rows first: nothing is imported while any is left.")
        raise ApplicationError("import_has_errors", message, status_code=409)
    job.status = ImportJob.Status.IMPORTING
    job.save(update_fields=["status"])
    from crm.tasks import import_run

    job_id = job.pk
    transaction.on_commit(lambda: import_run.delay(job_id))
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Write the checked file batch by batch (the task's work), keeping the progress."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.IMPORTING:
        return job

    def progress(report) -> None:
        ImportJob.objects.filter(pk=job_id).update(rows_done=min(report.done_rows, report.rows))

    importer, extra = _importer(job)
    try:
        report = importer(
            io.BytesIO(bytes(job.content)), encoding=job.encoding, delimiter=job.delimiter,
            mapping=job.mapping, progress=progress, **extra,
        )  # fmt: skip
    except Exception:
        _fail(job)
        raise
    job.refresh_from_db(fields=["rows_done"])
    job.report = dataclasses.asdict(report)
    job.rows_total = report.rows
    job.rows_done = min(report.done_rows, report.rows)
    job.status = ImportJob.Status.DONE if report.ok else ImportJob.Status.FAILED
    job.finished_at = timezone.now()
    job.save(update_fields=["report", "rows_total", "rows_done", "status", "finished_at"])
    return job


def _fail(job: ImportJob) -> None:
    """A bug stopped the task: the job says so instead of "checking" for ever (the worker
    logs the error with its traceback). Batches already written stay; a corrected
    re-upload completes the rest."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED,
        report={"file_errors": [_("The import stopped on an unexpected error; it is logged.")]},
        finished_at=timezone.now(),
    )
