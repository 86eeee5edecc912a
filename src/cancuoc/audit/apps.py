from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _schedule_sealing(sender, **kwargs):
    from .tasks import schedule_sealing

    schedule_sealing()


class AuditConfig(AppConfig):
    name = "cancuoc.audit"
    label = "audit"

    def ready(self):
        from . import signals  # noqa: F401

        # after `migrate` (deployments, `cancuoc bootstrap`): make sure the worker seals the log periodically
        post_migrate.connect(_schedule_sealing, sender=self)
