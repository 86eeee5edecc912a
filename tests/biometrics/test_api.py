"""The capture-check endpoints: an image in, reasons out; bad uploads get the API's error shape."""

import io

import pytest
from PIL import Image

pytestmark = pytest.mark.django_db


def png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def officer_client(client, officers):
    client.force_login(officers["thai_thuy"])
    return client


def test_a_good_synthetic_print_passes_the_finger_check(officer_client):
    from cancuoc.fingerprints.synth import generate_finger

    answer = officer_client.post("/api/v1/biometrics/finger-check",
                                 {"image": io.BytesIO(png(generate_finger(7, 1, 2, 1)))})  # fmt: skip
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["acceptable"] is True and body["score"] >= 30 and body["minutiae"] > 10


def test_a_blank_image_fails_with_a_reason(officer_client):
    import numpy as np

    answer = officer_client.post("/api/v1/biometrics/finger-check",
                                 {"image": io.BytesIO(png(np.full((400, 320), 250, dtype=np.uint8)))})  # fmt: skip
    body = answer.json()
    assert answer.status_code == 200 and body["acceptable"] is False
    assert body["reasons"] and body["reasons"][0]["message_vi"] and body["reasons"][0]["message_en"]


@pytest.mark.parametrize("route", ["finger-check", "portrait-check"])
def test_bad_uploads_get_the_error_shape(officer_client, route):
    url = f"/api/v1/biometrics/{route}"
    missing = officer_client.post(url, {"other": io.BytesIO(b"x")})
    assert missing.status_code == 422 and missing.json()["code"] == "no_image"
    as_json = officer_client.post(url, data={"image": "x"}, content_type="application/json")
    assert as_json.status_code == 400
    garbage = officer_client.post(url, {"image": io.BytesIO(b"\x89PNG\r\n\x1a\n garbage")})
    assert garbage.status_code in (200, 422)
    assert "message_vi" in str(garbage.json()) or garbage.json().get("acceptable") is False
    huge = officer_client.post(url, {"image": io.BytesIO(b"\0" * (6 * 1024 * 1024))})
    assert huge.status_code == 413 and huge.json()["code"] == "file_too_large"


def test_roles_without_capture_may_not_use_them(client, officers):
    client.force_login(officers["auditor"])
    answer = client.post("/api/v1/biometrics/finger-check", {"image": io.BytesIO(b"x")})
    assert answer.status_code == 403
    client.logout()
    assert client.post("/api/v1/biometrics/finger-check", {"image": io.BytesIO(b"x")}).status_code == 401
