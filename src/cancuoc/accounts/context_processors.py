"""What the navigation may offer this user, from the permission table."""

from .permissions import Verb, has_permission

NAVIGATION = {"registry": Verb.CITIZEN_READ, "imports": Verb.IMPORT_CREATE, "audit": Verb.AUDIT_READ,
              "officers": Verb.USER_MANAGE, "units": Verb.UNIT_READ, "personalise": Verb.CARD_PERSONALISE}  # fmt: skip


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can": {}}
    return {"can": {name: has_permission(user, verb) for name, verb in NAVIGATION.items()}}
