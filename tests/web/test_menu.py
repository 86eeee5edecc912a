"""The menu shows each role exactly the pages it may use: read from the home page's navigation, and every
page of the menu opened as every role (shown ⇔ the page answers)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from cancuoc.accounts.context_processors import MENU
from cancuoc.accounts.models import Role
from tests.factories import UserFactory

API_DOCS = "/api/v1/docs"
REGISTRY_WORK = {"citizen-search", "citizen-list", "citizen-register", "birth-register", "household-create"}
ENROLLMENT_WORK = {"station-queue", "capture-page", "application-list"}
CARD_WORK = {"card-receive", "card-handover", "card-list", "card-renewals"}
CAMPAIGN_WORK = {"campaign-dashboard", "campaign-outstanding", "campaign-plan"}

# Written out by hand from the permission table (docs/adr/0005-permissions.md), not computed from it.
EXPECTED = {
    "thai_thuy": REGISTRY_WORK | ENROLLMENT_WORK | CARD_WORK | CAMPAIGN_WORK | {"unit-browser", "import-list"},
    "hung_yen": REGISTRY_WORK | ENROLLMENT_WORK | CARD_WORK | CAMPAIGN_WORK
    | {"station-list", "change-requests", "id-number-cancel", "unit-browser", "import-list", "officer-list"},
    "admin": REGISTRY_WORK | ENROLLMENT_WORK | CARD_WORK | CAMPAIGN_WORK | {"production-batches", "relying-parties"}
    | {"station-list", "change-requests", "id-number-cancel", "unit-browser", "import-list", "audit-search",
       "officer-list"},  # fmt: skip
    "auditor": {"unit-browser", "audit-search"},
    "production": {"unit-browser", "card-list", "card-renewals", "production-batches"},
}


class MenuLinks(HTMLParser):
    """The addresses of the links inside <nav class="menu">."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # >0 while inside the menu
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "nav" and "menu" in (attributes.get("class") or "").split():
            self.depth = 1
        elif tag == "nav" and self.depth:
            self.depth += 1
        elif tag == "a" and self.depth:
            self.links.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "nav" and self.depth:
            self.depth -= 1


def menu_links(client) -> list[str]:
    response = client.get("/")
    assert response.status_code == 200
    parser = MenuLinks()
    parser.feed(response.content.decode())
    return parser.links


@pytest.mark.parametrize("officer", sorted(EXPECTED))
def test_the_menu_shows_exactly_what_the_role_may_use(client, officers, officer):
    client.force_login(officers[officer])
    links = menu_links(client)
    assert len(links) == len(set(links)), links
    assert set(links) == {reverse(name) for name in EXPECTED[officer]} | {API_DOCS}
    # every officer may read the API's documentation (its routes check each verb)
    assert links[-1] == API_DOCS


def test_the_menu_keeps_its_order(client, officers):
    client.force_login(officers["admin"])
    order = [reverse(entry.url_name) for entry in MENU]
    assert menu_links(client)[:-1] == order


@pytest.mark.parametrize("officer", sorted(EXPECTED))
def test_every_page_of_the_menu_answers_exactly_the_roles_it_is_shown_to(client, officers, officer):
    client.force_login(officers[officer])
    for entry in MENU:
        response = client.get(reverse(entry.url_name))
        if entry.url_name in EXPECTED[officer]:
            assert response.status_code == 200, (entry.url_name, response.status_code)
        else:
            assert response.status_code in (403, 404), (entry.url_name, response.status_code)


def test_an_area_role_without_an_area_and_a_deactivated_officer_are_offered_nothing(client, world):
    # no area: the table grants an area role nothing (the database refuses such a row; built unsaved here)
    lost = UserFactory.build(username="lost", role=Role.COMMUNE_OFFICER, unit=None)
    from cancuoc.accounts.context_processors import menu_for

    assert menu_for(lost) == []
    gone = UserFactory(username="gone", role=Role.SUPERVISOR, unit=world.hung_yen, is_active=False)
    assert menu_for(gone) == []


def test_the_current_page_is_marked_and_a_logged_out_visitor_sees_no_menu(client, officers):
    client.force_login(officers["admin"])
    page = client.get(reverse("citizen-register")).content.decode()
    register = reverse("citizen-register")
    assert f'<a href="{register}" aria-current="page">' in page
    assert page.count('aria-current="page"') == 1  # not "Citizens" too, whose address starts the same
    client.logout()
    login = client.get(reverse("login")).content.decode()
    assert 'class="menu"' not in login and "menu-switch" not in login
