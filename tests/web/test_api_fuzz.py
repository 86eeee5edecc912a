"""Schemathesis against the live API (OpenAPI document at /api/v1/openapi.json): no input may cause a
server error. Logged in as a national administrator so every endpoint is reachable."""

import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import CitizenFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("flushable_audit_log")]


def test_openapi_document_is_served(client, officers):
    client.force_login(officers["admin"])
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/citizens", "/api/v1/citizens/{id_number}", "/api/v1/units/search"} <= set(
        schema["paths"]
    )
    assert client.get("/api/v1/docs").status_code == 200


def test_no_input_causes_a_server_error(live_server, officers, world, client):
    CitizenFactory(id_number="034090000001", permanent_unit=world.thai_thuy)
    client.force_login(officers["admin"])
    session = client.cookies["sessionid"].value
    csrf = secrets.token_hex(16)  # a 32-character secret, sent as cookie and header alike
    st = Path(sys.executable).with_name("st")
    command = [
        str(st) if st.exists() else shutil.which("st"), "run", f"{live_server.url}/api/v1/openapi.json",
        "--checks", "not_a_server_error", "--max-examples", "25", "--generation-deterministic",
        "--request-timeout", "20",
        "-H", f"Cookie: sessionid={session}; csrftoken={csrf}", "-H", f"X-CSRFToken: {csrf}",
        "-H", f"Referer: {live_server.url}/",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
