from django.apps import AppConfig


class BiometricsConfig(AppConfig):
    name = "cancuoc.biometrics"
    label = "biometrics"
    verbose_name = "Sinh trắc học / Biometrics"
    default_auto_field = "django.db.models.BigAutoField"
