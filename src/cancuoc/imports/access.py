"""May this user see or confirm that import job? Its creator, and the supervisors above the creator."""

from cancuoc.accounts.permissions import Verb, has_permission, in_area


def may_see_job(user, job) -> bool:
    if job.uploaded_by_id == user.pk:
        return has_permission(user, Verb.IMPORT_CREATE)
    uploader_unit = job.uploaded_by.unit
    return in_area(user, Verb.IMPORT_SUPERVISE, uploader_unit.path if uploader_unit else None) or (
        uploader_unit is None and has_permission(user, Verb.IMPORT_SUPERVISE) and user.unit_id is None
    )
