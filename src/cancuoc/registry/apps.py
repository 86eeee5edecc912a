from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "cancuoc.registry"
    label = "registry"
