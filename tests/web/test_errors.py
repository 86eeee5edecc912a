"""Bounded inputs and clean errors at the HTTP layer: every error is a page of the site or the API's error
shape ``{"code", "message_vi", "message_en"}``, never a traceback, a server path or a setting."""

import json
import os
import subprocess
import sys
import threading
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError

from cancuoc.audit.models import AuditEntry
from cancuoc.registry.models import Citizen

PAYLOAD = {"reason": "đăng ký", "id_number": "034090000123", "given_name": "An", "family_name": "Lê",
           "birth_date": "15/03/1990", "sex": "Nam", "permanent_unit_code": "12730"}  # fmt: skip
LEAKS = (
    "Traceback",
    "site-packages",
    "/work/",
    "/src/cancuoc",
    'File "',
    "SECRET_KEY",
    "DATABASES",
    "settings",
)


def assert_error_shape(response, status, code=None):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert {"code", "message_vi", "message_en"} <= set(body), body
    assert body["message_vi"] and body["message_en"]
    if code:
        assert body["code"] == code
    assert_no_leak(response)
    return body


def assert_no_leak(response):
    text = response.content.decode("utf-8", "replace")
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} in the answer"


def assert_site_page(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<header class="top">' in page and "<footer>" in page  # the site's base template
    assert_no_leak(response)
    return page


@pytest.fixture
def officer_client(client, officers):
    client.force_login(officers["thai_thuy"])
    client.raise_request_exception = False
    return client


def nothing_written():
    return (
        not Citizen.objects.exists()
        and not AuditEntry.objects.filter(object_id=PAYLOAD["id_number"]).exists()
    )


# --- oversized bodies -----------------------------------------------------------------------------


def test_an_oversized_json_body_answers_413_with_the_error_shape(officer_client):
    body = json.dumps({**PAYLOAD, "reason": "x" * 2_500_000})  # the 2.5 MB of the report
    response = officer_client.post("/api/v1/citizens", body, content_type="application/json")
    assert_error_shape(response, 413, "too_large")
    assert nothing_written()


def test_an_oversized_form_answers_the_413_page(officer_client):
    form = urlencode({"q": "x" * 1_500_000})
    response = officer_client.post("/citizens/", form, content_type="application/x-www-form-urlencoded")
    page = assert_site_page(response, 413)
    assert "quá lớn" in page and "too large" in page


def test_an_oversized_field_inside_a_multipart_body_answers_413(officer_client):
    # Under the upload limit as a whole, so it reaches the view; the field alone is over the form limit:
    # Django raises RequestDataTooBig only when the body is parsed.
    response = officer_client.post("/imports/upload/", {"note": "x" * 1_500_000})
    assert_site_page(response, 413)
    api = officer_client.post("/api/v1/cards/verify", {"note": "x" * 1_500_000})
    assert_error_shape(api, 413)


def test_an_upload_larger_than_the_import_limit_is_refused_before_it_is_read(officer_client, settings):
    settings.CANCUOC_IMPORT_MAX_BYTES = 1000
    response = officer_client.post(
        "/imports/upload/",
        b"x",
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(3 * 1024 * 1024),
    )
    assert_site_page(response, 413)


def test_an_import_file_within_the_limit_still_uploads(officer_client, tmp_path):
    csv_file = tmp_path / "dan-cu.csv"
    csv_file.write_text("Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú\n"
                        "034090000777,Phạm Văn Đức,01/02/1985,Nam,12730\n", encoding="utf-8")  # fmt: skip
    csv_file.write_bytes(csv_file.read_bytes() + b"\n" * 2_000_000)  # larger than the form limit
    with csv_file.open("rb") as upload:
        response = officer_client.post("/imports/upload/", {"file": upload})
    assert response.status_code == 302, response.content[:300]


# --- bodies the API cannot read -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        ("{", "application/json", 400),
        ('{"reason": ', "application/json", 400),
        ("[1, 2]", "application/json", 422),
        ('"a string"', "application/json", 422),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400),
        ('{"reason": ' + "[" * 500 + "]" * 500 + "}", "application/json", 422),
        ("reason=x", "application/x-www-form-urlencoded", 415),
        (json.dumps(PAYLOAD), "text/plain", 415),
        (json.dumps(PAYLOAD), "multipart/form-data", 400),  # no boundary
    ],
    ids=[
        "truncated",
        "unfinished",
        "list",
        "string",
        "deep-nesting",
        "nested-field",
        "form",
        "text",
        "multipart",
    ],
)
def test_a_body_the_api_cannot_read_answers_4xx_with_the_shape(officer_client, body, content_type, status):
    response = officer_client.post("/api/v1/citizens", body, content_type=content_type)
    assert_error_shape(response, status)
    assert nothing_written()


def test_an_unknown_api_address_and_a_wrong_method_answer_the_shape(officer_client):
    assert_error_shape(officer_client.get("/api/v1/no-such-thing"), 404, "not_found")
    wrong = officer_client.delete("/api/v1/citizens")
    assert_error_shape(wrong, 405, "method_not_allowed")
    assert set(wrong["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_the_api_answers_401_in_the_shape_without_a_login(client):
    assert_error_shape(client.get("/api/v1/citizens?q=le"), 401, "unauthenticated")


def test_an_api_route_that_raises_answers_500_in_the_shape(officer_client, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret detail at /srv/cancuoc/settings.py")

    monkeypatch.setattr("cancuoc.registry.selectors.search_citizens", explode)
    response = officer_client.get("/api/v1/citizens?q=le")
    assert_error_shape(response, 500, "server_error")
    assert "secret detail" not in response.content.decode()


def test_a_constraint_refusing_an_api_change_answers_409_in_the_shape(officer_client, monkeypatch):
    def lose_the_race(*args, **kwargs):
        raise IntegrityError(
            'duplicate key value violates unique constraint "registry_citizen_id_number_key"'
        )

    monkeypatch.setattr("cancuoc.registry.actions.create_citizen", lose_the_race)
    response = officer_client.post("/api/v1/citizens", PAYLOAD, content_type="application/json")
    body = assert_error_shape(response, 409, "conflict")
    assert "registry_citizen" not in json.dumps(body)


# --- pages ----------------------------------------------------------------------------------------


def test_a_page_that_raises_answers_the_site_500_page_without_details(officers, client, monkeypatch):
    assert django_settings.DEBUG is False

    def explode(*args, **kwargs):
        raise RuntimeError("secret detail at /srv/cancuoc/settings.py")

    monkeypatch.setattr("cancuoc.registry.quality.flag_counts", explode)
    client.force_login(officers["hung_yen"])
    client.raise_request_exception = False
    page = assert_site_page(client.get("/"), 500)
    assert "Lỗi máy chủ" in page and "Server error" in page
    assert "secret detail" not in page and "RuntimeError" not in page


def test_a_missing_page_is_a_page_of_the_site_in_both_languages(officer_client):
    page = assert_site_page(officer_client.get("/no-such-page/"), 404)
    assert "Không tìm thấy" in page and "Not found" in page


def test_a_refusal_is_a_page_of_the_site(officer_client):
    page = assert_site_page(officer_client.get("/audit/"), 403)  # a commune officer may not read the log
    assert "Bạn không được phép" in page and "not allowed" in page


def test_a_failed_csrf_check_is_a_page_of_the_site(officers):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(officers["thai_thuy"])
    assert_site_page(strict.post("/imports/upload/"), 403)


def test_a_wrong_method_on_a_page_is_a_page_of_the_site(officer_client):
    assert_site_page(officer_client.get("/logout/"), 405)


def test_debug_is_off_unless_asked_for_and_never_in_production():
    def debug(**env):
        environment = {k: v for k, v in os.environ.items() if k not in ("CANCUOC_DEBUG", "CANCUOC_ENV")}
        environment.update(env, CANCUOC_SECRET_KEY="x" * 50)
        result = subprocess.run([sys.executable, "-c", "import cancuoc.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS)"],
                                env=environment, capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
        return result.stdout.strip()

    assert debug().startswith("False") and "'127.0.0.1'" in debug() and "'localhost'" in debug()
    assert debug(CANCUOC_DEBUG="1").startswith("True")
    assert debug(CANCUOC_DEBUG="1", CANCUOC_ENV="production").startswith("False")


def test_static_files_are_served_with_debug_off(tmp_path):
    # In a process of its own: DEBUG and the static-file settings are decided when settings load.
    script = ("import django; django.setup(); from django.conf import settings; from django.test import Client; "
              "response = Client().get('/static/cancuoc/site.css'); "
              "print(settings.DEBUG, response.status_code, b''.join(response.streaming_content)[:5])")  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if k not in ("CANCUOC_DEBUG", "CANCUOC_ENV")}
    environment.update(DJANGO_SETTINGS_MODULE="cancuoc.settings", CANCUOC_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.stdout.strip() == "False 200 b':root'", result.stdout + result.stderr[-2000:]


# --- concurrent creation of one number on PostgreSQL ----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_of_one_number_has_one_winner_and_clean_losers(
    flushable_audit_log, live_server, officers, client
):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to lose")
    import requests

    client.force_login(officers["thai_thuy"])
    session_id = client.cookies["sessionid"].value
    csrf = "c" * 32
    clients = 20
    start = threading.Barrier(clients)
    answers: list[requests.Response] = []
    lock = threading.Lock()

    def create():
        with requests.Session() as session:
            session.cookies.update({"sessionid": session_id, "csrftoken": csrf})
            start.wait()
            response = session.post(f"{live_server.url}/api/v1/citizens", json=PAYLOAD, timeout=60,
                                    headers={"X-CSRFToken": csrf, "Referer": f"{live_server.url}/"})  # fmt: skip
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=create) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(response.status_code for response in answers)
    assert len(answers) == clients
    assert statuses.count(201) == 1, statuses
    assert 500 not in statuses
    for response in answers:
        if response.status_code != 201:
            assert response.status_code in (409, 422), statuses
            body = response.json()
            assert {"code", "message_vi", "message_en"} <= set(body), body
            assert "Traceback" not in response.text and "IntegrityError" not in response.text
    assert Citizen.objects.filter(id_number=PAYLOAD["id_number"]).count() == 1


def test_an_ordinary_refusal_is_logged_as_one_line_without_a_traceback(client, officers, caplog):
    import logging

    client.force_login(officers["thai_thuy"])  # a commune officer may not cancel numbers
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/citizens/numbers/cancel/").status_code == 403
        assert client.get("/this-page-does-not-exist/").status_code == 404
    refusals = [r for r in caplog.records if r.name == "django.request"]
    assert refusals and all(r.exc_info is None and r.getMessage() for r in refusals)
