from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _schedule_expiry(sender, **kwargs):
    from .tasks import schedule_expiry

    schedule_expiry()


class IssuanceConfig(AppConfig):
    name = "cancuoc.issuance"

    def ready(self):
        from cancuoc.cards.lifecycle import card_moved

        from .outbox import on_card_moved

        # "your card is ready" is queued inside the transaction that records the receipt
        card_moved.connect(on_card_moved, dispatch_uid="issuance.outbox.on_card_moved")
        # after `migrate`: the worker expires the day's cards every night
        post_migrate.connect(_schedule_expiry, sender=self)
