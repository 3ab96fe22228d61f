"""The CSV import pages: upload, match the columns, read the check, import with a live
progress bar, download the bad rows."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import large_body
from config.exceptions import ApplicationError
from crm import services
from crm.forms import ImportMappingForm, ImportUploadForm
from crm.models import ImportJob
from crm.services.imports import COLUMNS

# Who may import what: customers need the rights to create and change them, orders the
# right to record them (Admin).
KIND_PERMISSIONS = {
    ImportJob.Kind.CUSTOMERS: ("crm.add_customer", "crm.change_customer"),
    ImportJob.Kind.ORDERS: ("crm.add_order",),
}


def _may_import(user, kind: str) -> bool:
    return user.has_perms(KIND_PERMISSIONS[kind])


def _get_job(request, pk: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk).select_related("created_by").first()
    if job is None:
        raise Http404(_("No such import."))
    if not _may_import(request.user, job.kind):
        raise PermissionDenied
    return job


@large_body("IMPORT_MAX_BYTES")
@require_http_methods(["GET", "POST"])
@login_required
@permission_required("crm.add_customer", raise_exception=True)
def import_list(request):
    """Past imports, and the upload of a new file."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not _may_import(request.user, data["kind"]):
            form.add_error("kind", _("Your role does not allow importing these."))
        else:
            upload = data["file"]
            try:
                job = services.import_job_create(
                    kind=data["kind"], mode=data["mode"] or ImportJob.Mode.HISTORY,
                    filename=upload.name, content=upload.read(), user=request.user,
                    encoding=data["encoding"], delimiter=data["delimiter"],
                )  # fmt: skip
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                return redirect("crm:import-detail", pk=job.pk)
    jobs = ImportJob.objects.select_related("created_by").defer("content")
    page = Paginator(jobs, 20).get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/import_list.html", {"form": form, "page": page}, status=status)


def _detail(request, job: ImportJob, *, mapping_form=None, status=200):
    if mapping_form is None and job.status in (
        ImportJob.Status.MAPPING, ImportJob.Status.CHECKED, ImportJob.Status.FAILED
    ):  # fmt: skip
        mapping_form = ImportMappingForm(job=job, columns=COLUMNS[job.kind])
    context = {"job": job, "mapping_form": mapping_form, "report": job.report or {}}
    template = "crm/_import_progress.html" if request.htmx else "crm/import_detail.html"
    return render(request, template, context, status=status)


@require_GET
@login_required
def import_detail(request, pk: int):
    """The job: its columns to match, the check's report, or the import's progress."""
    return _detail(request, _get_job(request, pk))


@require_POST
@login_required
def import_map(request, pk: int):
    job = _get_job(request, pk)
    form = ImportMappingForm(request.POST, job=job, columns=COLUMNS[job.kind])
    if form.is_valid():
        try:
            services.import_job_map(job=job, mapping=form.mapping())
        except ValidationError as exc:
            form.add_service_error(exc)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("crm:import-detail", pk=job.pk)
        else:
            return redirect("crm:import-detail", pk=job.pk)
    return _detail(request, job, mapping_form=form, status=400)


@require_POST
@login_required
def import_start(request, pk: int):
    job = _get_job(request, pk)
    try:
        services.import_job_start(job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("crm:import-detail", pk=job.pk)


@require_GET
@login_required
def import_errors(request, pk: int):
    """The bad rows of the check as CSV (line, column, message)."""
    job = _get_job(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["line", "column", "message"])
    for error in (job.report or {}).get("errors", []):
        writer.writerow([error["line"], error["column"], error["message"]])
    return response
