from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "cancuoc.imports"
    label = "imports"
