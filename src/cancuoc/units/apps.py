from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "cancuoc.units"
    label = "units"
