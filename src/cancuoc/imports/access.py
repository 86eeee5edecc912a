"""May this user see or confirm that import job? Its creator, and the supervisors above the creator."""

from django.db.models import Q, QuerySet

from cancuoc.accounts.permissions import Scope, Verb, has_permission, in_area, scope_of


def may_see_job(user, job) -> bool:
    if job.uploaded_by_id == user.pk:
        return has_permission(user, Verb.IMPORT_CREATE)
    uploader_unit = job.uploaded_by.unit
    return in_area(user, Verb.IMPORT_SUPERVISE, uploader_unit.path if uploader_unit else None) or (
        uploader_unit is None and has_permission(user, Verb.IMPORT_SUPERVISE) and user.unit_id is None
    )


def visible_jobs(user, jobs: QuerySet) -> QuerySet:
    """The jobs of ``jobs`` that ``may_see_job`` lets this user see, as one query: their own, and for a
    supervisor those of every officer whose unit lies in their area (nationwide: every job)."""
    own = Q(uploaded_by=user) if has_permission(user, Verb.IMPORT_CREATE) else Q(pk__in=[])
    scope = scope_of(user, Verb.IMPORT_SUPERVISE)
    if scope is Scope.NATIONAL:
        return jobs
    if scope is Scope.AREA:
        return jobs.filter(own | Q(uploaded_by__unit__path__startswith=user.unit.path))
    return jobs.filter(own)
