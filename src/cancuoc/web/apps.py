from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cancuoc.web"
    label = "web"
