"""The pages work in Chromium under their Content-Security-Policy: no violation is reported while an
officer uses them (htmx included), and the API documentation renders with no network beyond our server."""


import pytest

from tests.factories import CitizenFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Injected through the DevTools protocol, so the page's own policy does not block it.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def chromium(browser_page, live_server):
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    outside: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    def only_our_server(route):  # no internet: anything not from the live server is refused
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_our_server)
    return page, console, outside


def violations(page, console):
    reported = page.evaluate("window.__violations || []")
    logged = [text for text in console if "Security Policy" in text or "Permissions-Policy" in text]
    return reported + logged


def test_pages_raise_no_csp_violation_and_the_docs_render_offline(
    flushable_audit_log, chromium, live_server, world, officers
):
    page, console, outside = chromium
    CitizenFactory(id_number="034190000002", family_name="Lê", middle_name="Thị", given_name="Hòa", sex="F",
                   permanent_unit=world.thai_thuy)  # fmt: skip
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "officer_thai_thuy")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert violations(page, console) == []

    page.goto(f"{live_server.url}/citizens/")
    page.fill("input[name=q]", "le thi hoa")  # htmx, with its indicator styles off and eval off
    page.wait_for_selector("table.results >> text=034190000002")
    assert violations(page, console) == []

    page.click("text=034190000002")
    page.wait_for_selector("h1 >> text=Lê Thị Hòa")
    assert violations(page, console) == []

    page.goto(f"{live_server.url}/units/")
    page.fill("input[name=q]", "thai thuy")
    page.wait_for_selector("#unit-results >> text=Thái Thụy")
    page.fill("input[name=address]", "Xã Thụy Hải, Huyện Thái Thụy, Tỉnh Thái Bình")
    page.click("form.spaced button[type=submit]")
    page.wait_for_selector("#resolved >> text=Thái Thụy")
    assert violations(page, console) == []

    for address in ("/imports/", "/no-such-page/"):
        page.goto(f"{live_server.url}{address}")
        page.wait_for_load_state("networkidle")
        assert violations(page, console) == [], address
    assert page.locator("header.top").count() == 1  # the 404 is a page of the site

    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info >> text=cancuoc API", timeout=20_000)
    page.wait_for_selector(".opblock-tag >> text=citizens")  # the operations, read from openapi.json
    page.locator(".opblock-get .opblock-summary").first.click()  # expand one operation and run it
    page.click("button.try-out__btn")
    page.click("button.execute")
    page.wait_for_selector(".responses-wrapper .live-responses-table")
    page.locator(".models-control, .models h4").first.click()  # the schemas, with their expander icons
    assert violations(page, console) == []
    assert outside == [], "the docs page asked for something outside our server"
