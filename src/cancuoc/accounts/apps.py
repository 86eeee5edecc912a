from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cancuoc.accounts"
    label = "accounts"

    def ready(self):
        from . import signals  # noqa: F401 (connects the user-change audit)
