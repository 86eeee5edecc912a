from django.apps import AppConfig


class RelyingConfig(AppConfig):
    name = "cancuoc.relying"
