from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cancuoc.accounts"
    label = "accounts"
