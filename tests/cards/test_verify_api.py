"""`POST /api/v1/cards/verify`: the verifier's rules, and hostile requests answered with the API error shape."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from cancuoc.icao.verify import MAX_FILE
from tests.factories import CitizenFactory

URL = "/api/v1/cards/verify"


@pytest.fixture
def card(pki_dir, officers, world, client):
    CitizenFactory(id_number="034090000031", permanent_unit=world.thai_thuy)
    call_command("card", "personalise", "--citizen", "034090000031", "--out", str(pki_dir / "card"),
                 "--user", "production", "--no-faces")  # fmt: skip
    client.force_login(officers["auditor"])
    return {p.name: p.read_bytes() for p in (pki_dir / "card").iterdir() if p.suffix in (".bin", ".txt")}


def upload(files: dict[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, content) for name, content in files.items()]


def assert_error(response, status: int, code: str | set[str]) -> None:
    codes = {code} if isinstance(code, str) else code
    assert response.status_code == status or (status, response.status_code) == (400, 415), response.content
    body = response.json()
    assert set(body) == {"code", "message_vi", "message_en"} and body["code"] in codes
    assert body["message_vi"] and body["message_en"] and b"Traceback" not in response.content


def test_the_api_applies_the_verifiers_rules(card, client):
    assert client.post(URL, {"files": upload(card)}).json()["ok"]
    lone = client.post(URL, {"files": upload({"EF_SOD.bin": card["EF_SOD.bin"]})})
    assert lone.status_code == 200 and not lone.json()["ok"]
    without_dg15 = client.post(URL, {"files": upload({k: v for k, v in card.items() if k != "DG15.bin"})}).json()
    assert {c["name"]: c["status"] for c in without_dg15["checks"]}["active authentication"] == "fail"
    assert not without_dg15["ok"]


def test_garbage_card_files_get_a_verdict_not_an_error(card, client):
    garbage = {name: os.urandom(len(content)) for name, content in card.items()}
    response = client.post(URL, {"files": upload(garbage)})
    assert response.status_code == 200 and not response.json()["ok"]


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"data": {}}, 422, "upload_empty"),
        ({"data": {"files": "not a file"}}, 422, "upload_empty"),
        ({"data": b'{"files": []}', "content_type": "application/json"}, 400, "upload_malformed"),
        # the site may refuse a body that is neither JSON nor multipart before the view: 415, its own code
        ({"data": b"\x00\xff" * 50, "content_type": "application/octet-stream"}, 400,
         {"upload_malformed", "unsupported_media_type"}),
        ({"data": b"--x\r\ngarbage", "content_type": "multipart/form-data"}, 400, "upload_malformed"),
        ({"data": b"--x\r\ngarbage", "content_type": "multipart/form-data; boundary=\x00"}, 400, "upload_malformed"),
        ({"data": {"files": [SimpleUploadedFile("evil.exe", b"MZ")]}}, 422, "upload_name"),
        ({"data": {"files": [SimpleUploadedFile("ef_sod.bin", b"x")]}}, 422, "upload_name"),
        ({"data": {"files": [SimpleUploadedFile("DG1.bin", b"1"), SimpleUploadedFile("DG1.bin", b"2")]}}, 422,
         "upload_duplicate"),
        ({"data": {"files": [SimpleUploadedFile("DG2.bin", b"\0" * (MAX_FILE + 1))]}}, 413, "upload_too_large"),
        ({"data": {"files": [SimpleUploadedFile(f"DG{n}.bin", b"\0" * (MAX_FILE - 10)) for n in (2, 3, 4)]}}, 413,
         {"upload_too_large", "too_large"}),
    ],
    ids=["no field", "text field", "json", "raw bytes", "multipart without boundary", "bad boundary", "unknown name",
         "name in another case", "duplicate", "file too large", "request too large"],
)  # fmt: skip
def test_hostile_requests_get_the_error_shape(card, client, request_kwargs, status, code):
    assert_error(client.post(URL, **request_kwargs), status, code)


@pytest.mark.parametrize("at", ["31/02/2020", "2020-02-30", "tomorrow", "9" * 200])
def test_a_date_that_does_not_exist_gets_the_error_shape(card, client, at):
    assert_error(client.post(f"{URL}?at={at}", {"files": upload(card)}), 422, "date_invalid")


def test_a_real_date_is_used(card, client):
    response = client.post(f"{URL}?at=01/01/2100", {"files": upload(card)})
    assert response.status_code == 200 and not response.json()["ok"]  # the DS is no longer valid then


def test_without_a_national_csca_the_api_says_so(card, client, monkeypatch, tmp_path):
    monkeypatch.setenv("CANCUOC_PKI_DIR", str(tmp_path / "empty"))
    assert_error(client.post(URL, {"files": upload(card)}), 503, "csca_unavailable")


def test_the_api_needs_no_passphrase(card, client, monkeypatch, settings):
    monkeypatch.delenv("CANCUOC_PKI_PASSPHRASE")
    settings.PRODUCTION = True
    response = client.post(URL, {"files": upload(card)})
    assert response.status_code == 200 and response.json()["ok"]
