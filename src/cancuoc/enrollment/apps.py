from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "cancuoc.enrollment"
    label = "enrollment"
    verbose_name = "Thu nhận hồ sơ / Enrollment"
    default_auto_field = "django.db.models.BigAutoField"
