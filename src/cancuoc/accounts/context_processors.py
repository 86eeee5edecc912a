"""What the navigation may offer this user, from the permission table."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import Verb, has_permission

NAVIGATION = {"registry": Verb.CITIZEN_READ, "imports": Verb.IMPORT_CREATE, "audit": Verb.AUDIT_READ,
              "officers": Verb.USER_MANAGE, "units": Verb.UNIT_READ, "personalise": Verb.CARD_PERSONALISE}  # fmt: skip


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: str
    verbs: tuple[Verb, ...]  # all of them needed, as the page itself checks


# The menu, in the order shown: each entry only for the roles the permission table grants its verbs, the
# same verbs its page asks for (tests/web/test_menu.py opens every entry as every role).
MENU = (
    MenuEntry("citizen-search", _("Citizens"), (Verb.CITIZEN_READ,)),
    MenuEntry("citizen-list", _("List of citizens"), (Verb.CITIZEN_READ,)),
    MenuEntry("citizen-register", _("Register a citizen"), (Verb.CITIZEN_CREATE,)),
    MenuEntry("birth-register", _("Register a birth"), (Verb.CITIZEN_CREATE, Verb.ID_NUMBER_ALLOCATE)),
    MenuEntry("household-create", _("New household"), (Verb.HOUSEHOLD_CHANGE,)),
    MenuEntry("change-requests", _("Corrections to approve"), (Verb.CHANGE_DECIDE,)),
    MenuEntry("id-number-cancel", _("Cancel a personal ID number"), (Verb.ID_NUMBER_CANCEL,)),
    MenuEntry("station-queue", _("Queue"), (Verb.APPLICATION_CREATE,)),
    MenuEntry("capture-page", _("Capture"), (Verb.APPLICATION_CREATE,)),
    MenuEntry("application-list", _("Applications"), (Verb.APPLICATION_READ,)),
    MenuEntry("station-list", _("Stations"), (Verb.STATION_MANAGE,)),
    MenuEntry("production-batches", _("Card production"), (Verb.PRODUCTION_RUN,)),
    MenuEntry("card-receive", _("Receive cards"), (Verb.CARD_RECEIVE,)),
    MenuEntry("card-handover", _("Hand over cards"), (Verb.CARD_HANDOVER,)),
    MenuEntry("card-list", _("Cards"), (Verb.CARD_READ,)),
    MenuEntry("card-renewals", _("Renewals due"), (Verb.CARD_READ,)),
    MenuEntry("campaign-dashboard", _("Enrollment campaign"), (Verb.CAMPAIGN_READ,)),
    MenuEntry("campaign-outstanding", _("Outstanding list"), (Verb.CAMPAIGN_READ,)),
    MenuEntry("campaign-plan", _("Teams and planning"), (Verb.CAMPAIGN_READ,)),
    MenuEntry("relying-parties", _("Relying parties"), (Verb.RELYING_PARTY_MANAGE,)),
    MenuEntry("unit-browser", _("Administrative units"), (Verb.UNIT_READ,)),
    MenuEntry("import-list", _("Import"), (Verb.IMPORT_CREATE,)),
    MenuEntry("audit-search", _("Audit log"), (Verb.AUDIT_READ,)),
    MenuEntry("officer-list", _("Officers"), (Verb.USER_MANAGE,)),
)


def menu_for(user, path: str = "") -> list[dict]:
    """The entries this user may use, each with its address and whether it is the current page."""
    entries = []
    for entry in MENU:
        if not all(has_permission(user, verb) for verb in entry.verbs):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:  # a page not (yet) in this build must not take every page down with it
            continue
        entries.append({"url": url, "label": entry.label, "url_name": entry.url_name, "current": False})
    # The current page is the entry with the longest address that starts the path (/citizens/ and /citizens/new/).
    matching = [e for e in entries if path.startswith(e["url"])]
    if matching:
        max(matching, key=lambda e: len(e["url"]))["current"] = True
    return entries


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can": {}, "menu": []}
    return {
        "can": {name: has_permission(user, verb) for name, verb in NAVIGATION.items()},
        "menu": menu_for(user, request.path),
    }
