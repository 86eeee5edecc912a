import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cancuoc.accounts.permissions import NotFound, Verb, has_permission
from cancuoc.units.access import access_unit_by_id

from . import access, exporting, services, tasks
from .columns import COLUMNS
from .errors import ImportErrorCode, message
from .models import ImportJob


def _job_for(request, job_id: int) -> ImportJob:
    job = get_object_or_404(ImportJob, pk=job_id)
    if not access.may_see_job(request.user, job):
        raise Http404
    return job


@login_required
def job_list(request):
    if not has_permission(request.user, Verb.IMPORT_CREATE):
        return HttpResponseForbidden(_("Your role may not import citizens."))
    jobs = access.visible_jobs(request.user, ImportJob.objects.select_related("uploaded_by"))[:50]
    return render(request, "imports/list.html", {"jobs": jobs, "columns": COLUMNS})


@login_required
@require_POST
def upload(request):
    if not has_permission(request.user, Verb.IMPORT_CREATE):
        return HttpResponseForbidden(_("Your role may not import citizens."))
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("Choose a CSV or XLSX file. / Hãy chọn tệp CSV hoặc XLSX."))
        return redirect("import-list")
    try:
        job = services.create_job(request.user, uploaded, uploaded.name)
    except services.ImportRejected as error:
        messages.error(request, f"{error.message_vi} / {error.message_en}")
        return redirect("import-list")
    transaction.on_commit(lambda: tasks.start_check(job))
    return redirect("import-detail", job_id=job.pk)


@login_required
def detail(request, job_id: int):
    job = _job_for(request, job_id)
    errors = job.row_errors.all()[:500]
    context = {"job": job, "errors": errors, "progress": services.progress_of(job)}
    if job.unstored_errors:
        context["unstored_note"] = services.unstored_note(job)
    if job.file_deleted_at is not None:
        context["file_deleted"] = message(ImportErrorCode.FILE_DELETED)
    return render(request, "imports/detail.html", context)


@login_required
def progress(request, job_id: int):
    job = _job_for(request, job_id)
    response = render(request, "imports/_progress.html", {"job": job, "progress": services.progress_of(job)})
    if job.status in (ImportJob.Status.VALIDATED, ImportJob.Status.APPLIED, ImportJob.Status.FAILED):
        response["HX-Refresh"] = "true"  # the report is ready: reload the whole page once
    return response


@login_required
@require_POST
def confirm(request, job_id: int):
    job = _job_for(request, job_id)
    if job.status != ImportJob.Status.VALIDATED:
        messages.error(request, _("This job is not waiting for confirmation."))
        return redirect("import-detail", job_id=job.pk)
    if job.file_deleted_at is not None:
        messages.error(request, "{} / {}".format(*message(ImportErrorCode.FILE_DELETED)))
        return redirect("import-detail", job_id=job.pk)
    transaction.on_commit(lambda: tasks.start_apply(job))
    return redirect("import-detail", job_id=job.pk)


@login_required
@require_POST
def run_again(request, job_id: int):
    job = _job_for(request, job_id)
    try:
        job = services.run_again(request.user, job)
    except services.ImportRejected as error:
        messages.error(request, f"{error.message_vi} / {error.message_en}")
        return redirect("import-detail", job_id=job.pk)
    transaction.on_commit(lambda: tasks.start(job))
    return redirect("import-detail", job_id=job.pk)


@login_required
def error_report(request, job_id: int):
    job = _job_for(request, job_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Dòng / Line", "Cột / Column", "Mã / Code", "Lý do", "Reason"])
    for error in job.row_errors.all().iterator():
        writer.writerow(exporting.inert([error.line, error.column, error.code, error.message_vi, error.message_en]))
    if job.unstored_errors:
        writer.writerow(["", "", "", *exporting.inert(services.unstored_note(job))])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@login_required
def export(request):
    if not has_permission(request.user, Verb.CITIZEN_EXPORT):
        return HttpResponseForbidden(_("Your role has no access to the population registry."))
    unit = None
    if request.GET.get("unit"):
        try:
            unit = access_unit_by_id(request.user, int(request.GET["unit"]))
        except (NotFound, ValueError) as error:
            raise Http404 from error
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return exporting.export_response(request.user, unit, file_format)


@login_required
def template(request, file_format: str):
    """The import template: documented headers and one example row (XLSX: a second sheet explains each
    column). For users who may import."""
    if not has_permission(request.user, Verb.IMPORT_CREATE):
        return HttpResponseForbidden(_("Your role may not import citizens."))
    return exporting.template_response(request.user, file_format)
