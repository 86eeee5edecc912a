"""The capture page in Chromium with a fake camera: a commune officer types a 12-digit number, shoots the
portrait with Space (the camera plays a Y4M video of the compliant test portrait, so the check passes),
loads ten synthetic fingerprints, submits with Ctrl+Enter, gets the code and the printable forms, and
Esc starts the next citizen. The pipeline runs and a supervisor approves. The page fits a 390-px phone.

The flow's machine time (no human pauses) is printed with ``-s``: it is measured here, never asserted.
"""

import os
import time
from datetime import date

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from cancuoc.enrollment import actions
from cancuoc.enrollment.models import Application
from cancuoc.enrollment.processing import process_pending
from tests.e2e.conftest import ARGS, CHROMIUM, DESKTOP, PHONE
from tests.factories import CitizenFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
FRAME = (420, 540)  # 35:45, even sides for 4:2:0 chroma


def write_y4m(path, rgb: np.ndarray, frames: int = 2) -> None:
    """A Y4M video (BT.601 limited range, 4:2:0) that repeats one picture: Chromium's fake camera plays it."""
    rgb = np.asarray(Image.fromarray(rgb).resize(FRAME, Image.Resampling.LANCZOS), dtype=np.float64) / 255
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    cb = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    cr = 128 + 112.0 * r - 93.786 * g - 18.214 * b

    def quarter(plane):
        return plane.reshape(plane.shape[0] // 2, 2, plane.shape[1] // 2, 2).mean(axis=(1, 3))

    planes = b"".join(
        np.clip(p, 0, 255).round().astype(np.uint8).tobytes() for p in (y, quarter(cb), quarter(cr))
    )
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F25:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


@pytest.fixture(scope="module")
def compliant_portrait():
    from tests.faces.portraits import astronaut_on_plain_background, compliant

    return compliant(astronaut_on_plain_background())


@pytest.fixture(scope="module")
def portrait_video(compliant_portrait, tmp_path_factory):
    video = tmp_path_factory.mktemp("camera") / "portrait.y4m"
    write_y4m(video, compliant_portrait)
    return video


@pytest.fixture
def camera_browser(monkeypatch, portrait_video):
    """Chromium with a fake camera playing the compliant portrait (the shared fixture has no camera flags)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CANCUOC_REQUIRE_E2E") == "1":
            pytest.fail("Chromium is not installed; CANCUOC_REQUIRE_E2E=1")
        pytest.skip("Chromium is not installed: run `make system-packages` as root")
    video = portrait_video
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    camera = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS + camera)
        yield launched
        launched.close()
        from django.db import connections

        connections.close_all()


@pytest.fixture
def prints(tmp_path):
    from cancuoc.fingerprints.synth import generate_finger

    paths = []
    for position in range(1, 11):
        path = tmp_path / f"finger-{position:02d}.png"
        Image.fromarray(generate_finger(424242, 7, position, 1)).save(path)
        paths.append(str(path))
    return paths


@pytest.fixture
def station(world, officers):
    station = actions.create_station(None, code="CA-TT-01", name="Công an xã Thái Thụy", kind="fixed",
                                     unit=world.thai_thuy, address="Thôn Đông, xã Thái Thụy")  # fmt: skip
    actions.assign_officer(None, station, officers["thai_thuy"])
    return station


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.name || ''")


def test_an_officer_captures_an_application_by_keyboard_and_a_supervisor_approves(
    flushable_audit_log, camera_browser, live_server, world, officers, station, prints, settings
):
    # the tests' immediate task backend would run the whole pipeline inside the submit; here, as with the
    # worker in production, intake only queues it and process_pending() drives it afterwards
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    citizen = CitizenFactory(id_number="034190000321", permanent_unit=world.thai_thuy, family_name="Phạm",
                             middle_name="Thị", given_name="Hoa", sex="F")  # fmt: skip
    context = camera_browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    log_in(page, live_server.url, "officer_thai_thuy")
    keyboard, marks = page.keyboard, {}
    problems = []  # a script error or a CSP refusal (the previews are blob: images) fails the test
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    start = time.perf_counter()
    page.goto(f"{live_server.url}/applications/capture/")
    page.wait_for_selector("#cap-q:focus")
    marks["page open"] = time.perf_counter()
    keyboard.type(citizen.id_number)  # twelve digits: the record opens without Enter
    page.wait_for_selector("#capture-form")
    page.wait_for_selector("#cap-shoot:focus")
    assert "Phạm Thị Hoa" in page.inner_text("#step-data")
    marks["record open"] = time.perf_counter()
    page.wait_for_selector("#capture[data-camera=ready]")
    marks["camera ready"] = time.perf_counter()
    keyboard.press("Space")  # shoot
    page.wait_for_selector("#capture[data-portrait=passed]", timeout=30_000)
    assert page.is_disabled("#cap-override")  # nothing failed: no override reason
    assert focused(page) == "cap-ten"  # the portrait passed: on to the fingerprints
    marks["portrait checked"] = time.perf_counter()
    page.set_input_files("#cap-ten", prints)  # what a ten-print scanner would hand over
    page.wait_for_selector("#capture[data-fingers=checked]", timeout=60_000)
    marks["ten prints checked"] = time.perf_counter()
    assert focused(page) == "cap-submit"
    qualities = page.eval_on_selector_all(".cap-quality", "nodes => nodes.map((n) => n.textContent)")
    assert len(qualities) == 10 and all("/100" in q for q in qualities)
    keyboard.press("Control+Enter")
    page.wait_for_selector("#cap-done", timeout=60_000)
    page.wait_for_selector("#cap-print-cc01:focus")
    marks["submitted"] = time.perf_counter()

    application = Application.objects.get()
    assert page.inner_text(".cap-code") == application.code
    assert application.citizen == citizen and application.capture_seconds is not None
    for form in ("capture-sheet", "appointment-slip"):
        link = page.get_attribute(f"a[href$='{form}.pdf']", "href")
        answer = page.request.get(f"{live_server.url}{link}")
        assert answer.status == 200 and answer.body().startswith(b"%PDF")
    keyboard.press("Escape")  # the next citizen: a fresh page, the search box focused
    page.wait_for_selector("#cap-q:focus")
    assert page.input_value("#cap-key") != application.idempotency_key
    marks["next citizen"] = time.perf_counter()

    steps, previous = [], start
    for name, moment in marks.items():
        steps.append(f"{name} {moment - previous:.2f} s")
        previous = moment
    print(f"\ncapture flow without human pauses: {previous - start:.2f} s ({'; '.join(steps)})")

    assert problems == []
    assert application.stage == Application.Stage.COMPLETENESS  # queued, not yet processed
    process_pending()
    application.refresh_from_db()
    assert application.stage == Application.Stage.APPROVAL, (application.stage, application.blocking_code)
    supervisor = Client()
    supervisor.force_login(officers["hung_yen"])
    decided = supervisor.post(f"/api/v1/applications/{application.code}/decision",
                              {"decision": "approve", "reason": "Hồ sơ đầy đủ"}, content_type="application/json")  # fmt: skip
    assert decided.status_code == 200, decided.content
    application.refresh_from_db()
    assert application.stage == Application.Stage.READY_FOR_PRODUCTION
    context.close()


def test_on_a_phone_a_name_and_birth_year_find_the_citizen_and_the_page_fits(
    flushable_audit_log, camera_browser, live_server, world, officers, station
):
    citizen = CitizenFactory(id_number="034190000322", permanent_unit=world.thai_thuy, family_name="Đỗ",
                             middle_name="Thị", given_name="Hằng", sex="F", permanent_address="Thôn" + "Đông" * 30)  # fmt: skip
    CitizenFactory(permanent_unit=world.thai_thuy, family_name="Đỗ", middle_name="Thị", given_name="Hằng", sex="F",
                   birth_date=citizen.birth_date.replace(year=1961))  # fmt: skip
    context = camera_browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    log_in(page, live_server.url, "officer_thai_thuy")
    page.goto(f"{live_server.url}/applications/capture/")
    page.wait_for_selector("#cap-q:focus")
    page.keyboard.type("do thi hang")  # without diacritics
    page.keyboard.press("Tab")
    page.keyboard.type("1990")  # four digits of a year: the list narrows at once
    page.wait_for_selector(f".cap-hit[href$='{citizen.id_number}']")
    assert page.locator(".cap-hit").count() == 1
    page.keyboard.press("ArrowDown")
    page.wait_for_selector(".cap-hit:focus")
    page.keyboard.press("Enter")
    page.wait_for_selector("#cap-shoot:focus")
    assert citizen.id_number in page.inner_text("#step-data")
    page.wait_for_selector("#capture[data-camera=ready]")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    controls = "#capture button, #capture select, #capture summary, #capture input:not([type=hidden])"
    small = page.evaluate(
        f"[...document.querySelectorAll('{controls}')].filter((n) => n.offsetParent"
        " && n.getBoundingClientRect().height < 40).map((n) => n.id || n.name || n.outerHTML.slice(0, 60))"
    )
    assert small == []  # big enough for a finger
    page.click("#cap-correct-open")
    page.wait_for_selector("#cap-correct-form input[name=family_name]:focus")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_a_failed_portrait_needs_a_reason_and_a_refusal_keeps_the_images(
    flushable_audit_log, camera_browser, live_server, world, officers, station, tmp_path, compliant_portrait
):
    from tests.faces.portraits import far, png

    child = CitizenFactory(
        id_number="034290000323", permanent_unit=world.thai_thuy, birth_date=date(2022, 1, 10)
    )
    small_face = tmp_path / "far.png"
    small_face.write_bytes(png(far(compliant_portrait)))
    context = camera_browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in(page, live_server.url, "officer_thai_thuy")
    page.goto(f"{live_server.url}/applications/capture/?id={child.id_number}")
    page.wait_for_selector("#cap-shoot:focus")
    assert page.locator(".cap-finger").count() == 0  # under 6: no fingerprints
    page.set_input_files("#cap-portrait", str(small_face))
    page.wait_for_selector("#capture[data-portrait=failed]", timeout=30_000)
    assert page.locator("#cap-portrait-checks li.error").count() >= 1
    assert page.is_enabled("#cap-override")
    page.keyboard.press("Control+Enter")  # no reason given: the page says so before sending anything
    page.wait_for_selector("#err-override .error")
    page.wait_for_selector("#cap-override:focus")
    # meanwhile another station took an application for the same child
    Application.objects.create(code="261201OTHER001", citizen=child, station=station, unit_path=station.unit.path,
                               kind="first", reason_code="on_request", created_by=officers["hung_yen"],
                               idempotency_key="elsewhere", request_digest="x")  # fmt: skip
    page.keyboard.type("Trẻ nhỏ không giữ được tư thế")
    page.keyboard.press("Control+Enter")
    message = page.wait_for_selector("#err-form .error")
    assert "261201OTHER001" in message.inner_text()
    page.wait_for_selector("#cap-submit:focus")  # focus on the refused step
    assert (
        page.evaluate("document.getElementById('cap-portrait').files.length") == 1
    )  # the image is still there
    assert page.input_value("#cap-override") == "Trẻ nhỏ không giữ được tư thế"
    assert Application.objects.count() == 1
    context.close()
