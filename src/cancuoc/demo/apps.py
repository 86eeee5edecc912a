from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cancuoc.demo"
    label = "demo"
