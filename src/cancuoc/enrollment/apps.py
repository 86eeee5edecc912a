from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "cancuoc.enrollment"
    label = "enrollment"
    verbose_name = "Thu nhận hồ sơ / Enrollment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cancuoc.registry.actions.changes import change_decided

        change_decided.connect(_resume_waiting_applications, dispatch_uid="enrollment-resume-after-correction")


def _resume_waiting_applications(sender, citizen_id: int, **kwargs) -> None:
    """A correction was decided: the citizen's application waiting for it goes on through the pipeline."""
    from .models import Application
    from .tasks import process_application_task

    for pk in Application.objects.filter(citizen_id=citizen_id, stage=Application.Stage.COMPLETENESS)\
            .values_list("pk", flat=True):  # fmt: skip
        process_application_task.enqueue(pk)
