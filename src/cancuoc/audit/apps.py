from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cancuoc.audit"
    label = "audit"

    def ready(self):
        from . import signals  # noqa: F401
