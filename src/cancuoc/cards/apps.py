from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "cancuoc.cards"
    label = "cards"
