"""Security headers: a Content-Security-Policy the pages satisfy (no inline script or style), a
Permissions-Policy with the camera off unless a view grants it, and ``Cache-Control: no-store`` on every
answer that may carry personal data, while static files keep their long caching."""

import re
from html.parser import HTMLParser
from pathlib import Path

import django_htmx
import ninja
import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from cancuoc.web.middleware import SecurityHeadersMiddleware
from cancuoc.web.policies import content_security_policy, permissions_policy
from tests.factories import CitizenFactory, HouseholdFactory

REQUIRED_CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def policy(response) -> dict[str, set[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


class InlineCode(HTMLParser):
    """Collects what a strict CSP would refuse: inline scripts, event-handler attributes, style
    attributes and elements, javascript: URLs; and every URL a page loads."""

    def __init__(self):
        super().__init__()
        self.refused: list[str] = []
        self.loads: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.refused.append(f"<{tag} {name}=...>")
            if name == "style":
                self.refused.append(f"<{tag} style={value!r}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.refused.append(f"<{tag} {name}={value!r}>")
            if name.startswith("hx-on"):
                self.refused.append(f"<{tag} {name}=...> (htmx evaluates it)")
        if tag == "style":
            self.refused.append("<style>")
        if tag == "script":
            kind = attributes.get("type", "text/javascript")
            if "src" in attributes:
                self.loads.append(attributes["src"])
            elif kind not in ("application/json",):  # a data block is not executed
                self._in_inline_script = True
        if tag == "link" and attributes.get("href"):
            self.loads.append(attributes["href"])
        if tag == "img" and attributes.get("src"):
            self.loads.append(attributes["src"])

    def handle_endtag(self, tag):
        if tag == "script" and self._in_inline_script:
            self.refused.append("<script> with inline code")
            self._in_inline_script = False


def inspect(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    return parser


@pytest.fixture
def pages(client, officers, world):
    """Every page of the site (as the officers who may see them), including htmx fragments."""
    household = HouseholdFactory(number="HK00000001", unit=world.thai_thuy)
    CitizenFactory(id_number="034090000001", family_name="Lê", given_name="Hòa", permanent_unit=world.thai_thuy,
                   household=household)  # fmt: skip
    anonymous = {"/login/": client.get("/login/"), "/admin/login/": client.get("/admin/login/"),
                 "/dat-lich/": client.get("/dat-lich/"), "/dat-lich/huy/": client.get("/dat-lich/huy/"),
                 "/tra-cuu/": client.get("/tra-cuu/")}  # fmt: skip
    client.force_login(officers["thai_thuy"])
    seen = {
        **anonymous,
        "/": client.get("/"),
        "/citizens/": client.get("/citizens/"),
        "/citizens/?q=le": client.get("/citizens/", {"q": "le"}, HTTP_HX_REQUEST="true"),
        "/citizens/034090000001/": client.get("/citizens/034090000001/"),
        f"/citizens/households/{household.pk}/": client.get(f"/citizens/households/{household.pk}/"),
        "/units/": client.get("/units/"),
        "/units/search/?q=thai": client.get("/units/search/", {"q": "thai"}, HTTP_HX_REQUEST="true"),
        "/units/resolve/": client.get("/units/resolve/", {"address": "Xã Thụy Hải"}, HTTP_HX_REQUEST="true"),
        f"/units/{world.hung_yen.pk}/": client.get(f"/units/{world.hung_yen.pk}/"),
        "/password/": client.get("/password/"),
        "/imports/": client.get("/imports/"),
        "/applications/": client.get("/applications/"),
        "/applications/queue/": client.get("/applications/queue/"),
        "/applications/capture/": client.get("/applications/capture/"),
        "/applications/throughput/": client.get("/applications/throughput/"),
        "/no-such-page/": client.get("/no-such-page/"),
    }
    client.force_login(officers["auditor"])
    seen["/audit/"] = client.get("/audit/")
    client.force_login(officers["admin"])
    seen["/officers/"] = client.get("/officers/")
    seen["/officers/new/"] = client.get("/officers/new/")
    return seen


def test_every_page_carries_the_strict_policy_and_no_inline_code(pages):
    for address, response in pages.items():
        assert response.status_code in (200, 404), (address, response.status_code)
        directives = policy(response)
        for name, sources in REQUIRED_CSP.items():
            assert directives.get(name) == sources, (address, name, directives.get(name))
        for sources in directives.values():
            assert not sources & {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}, (
                address
            )
        found = inspect(response.content.decode())
        assert found.refused == [], (address, found.refused)
        assert all(url.startswith("/static/") for url in found.loads), (address, found.loads)


def test_htmx_is_the_packaged_copy_served_from_static_and_told_not_to_inject_styles(client, officers):
    client.force_login(officers["thai_thuy"])
    page = client.get("/citizens/").content.decode()
    scripts = inspect(page).loads
    htmx = [src for src in scripts if "htmx" in src]
    assert htmx == ["/static/django_htmx/htmx-2.min.js"], scripts
    packaged = Path(django_htmx.__file__).parent / "static" / "django_htmx" / "htmx-2.min.js"
    served = client.get(htmx[0])
    assert b"".join(served.streaming_content) == packaged.read_bytes()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', page)
    assert (
        config
        and '"includeIndicatorStyles": false' in config.group(1)
        and '"allowEval": false' in config.group(1)
    )


CAMERA_PAGES = {"/applications/capture/"}  # the portrait is taken with the browser's camera there


def test_the_camera_and_other_devices_are_off_by_default(pages):
    for address, response in pages.items():
        header = response["Permissions-Policy"]
        assert "microphone=()" in header and "geolocation=()" in header, address
        if address in CAMERA_PAGES:
            assert "camera=(self)" in header, address
        else:
            assert "camera=()" in header, address


def test_a_view_may_grant_the_camera_to_itself_only():
    @permissions_policy(camera="self")
    def capture_portrait(request):
        return HttpResponse("portrait")

    def other(request):
        return HttpResponse("other")

    request = RequestFactory().get("/")
    granted = SecurityHeadersMiddleware(capture_portrait)(request)
    assert (
        "camera=(self)" in granted["Permissions-Policy"] and "microphone=()" in granted["Permissions-Policy"]
    )
    assert "camera=()" in SecurityHeadersMiddleware(other)(request)["Permissions-Policy"]
    with pytest.raises(ValueError):
        permissions_policy(kamera="self")


def test_a_view_may_widen_one_csp_directive_and_nothing_else():
    @content_security_policy(img_src=("'self'", "data:"))
    def view(request):
        return HttpResponse("x")

    directives = policy(SecurityHeadersMiddleware(view)(RequestFactory().get("/")))
    assert directives["img-src"] == {"'self'", "data:"}
    assert directives["script-src"] == {"'self'"} and directives["frame-ancestors"] == {"'none'"}
    with pytest.raises(ValueError):
        content_security_policy(script_sorc="'self'")


def test_pages_and_api_answers_are_never_stored_by_a_cache(client, officers, pages):
    for address, response in pages.items():
        assert "no-store" in response["Cache-Control"], address
    client.force_login(officers["thai_thuy"])
    for response in (client.get("/api/v1/citizens", {"q": "le"}), client.get("/api/v1/citizens/034090000001"),
                     client.get("/api/v1/citizens/099090000000"), client.get("/api/v1/no-such-thing")):  # fmt: skip
        assert "no-store" in response["Cache-Control"], response.content[:200]
    client.logout()
    assert "no-store" in client.get("/api/v1/citizens").headers["Cache-Control"]  # the 401 too


def test_static_files_keep_their_long_caching(client):
    response = client.get("/static/cancuoc/site.css")
    assert b"".join(response.streaming_content)  # read to the end, which closes the file
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Content-Security-Policy" not in response


def test_the_api_documentation_loads_only_our_static_files(client, officers):
    client.force_login(officers["thai_thuy"])
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html), "an external URL in the docs page"
    found = inspect(html)
    assert {"/static/ninja/swagger-ui.css", "/static/ninja/swagger-ui-bundle.js",
            "/static/ninja/swagger-ui-init.js"} <= set(found.loads)  # fmt: skip
    assert [item for item in found.refused if "script" in item] == []
    for url in found.loads:
        served = client.get(url)
        assert b"".join(served.streaming_content), url  # read to the end, which closes the file
        assert served.status_code == 200, url
    bundle = Path(ninja.__file__).parent / "static" / "ninja" / "swagger-ui-bundle.js"
    assert bundle.stat().st_size > 100_000  # the real Swagger UI ships with Ninja
    # The one documented exception: Swagger UI's data: icons; scripts and styles stay 'self' only.
    directives = policy(response)
    assert directives["script-src"] == {"'self'"} and directives["style-src"] == {"'self'"}
    assert directives["img-src"] == {"'self'", "data:"}
