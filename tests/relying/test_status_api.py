"""POST /api/v1/status: every status word, signed; a wrong proof answers as an unknown serial; keys,
scopes, rates, bad bodies; a session is not a key."""

import base64
import hashlib
import json
from datetime import date

import pytest
from django.test import Client

from cancuoc.audit.models import Action, AuditEntry
from cancuoc.audit.services import AuditEvent
from cancuoc.relying import actions, documents, events, querylog
from cancuoc.relying.models import RelyingParty
from cancuoc.rules.cardstates import make_serial

from .conftest import make_card

pytestmark = pytest.mark.django_db
URL = "/api/v1/status"


def ask(client, key, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.post(URL, data=data, content_type=headers.pop("content_type", "application/json"), **auth, **headers)


def published_keys(client):
    answer = client.get("/api/v1/status/keys")
    assert answer.status_code == 200
    return documents.load_public_keys("".join(k["pem"] for k in answer.json()["keys"]).encode())


@pytest.mark.parametrize("state, status", [("active", "valid"), ("suspended", "suspended"), ("revoked", "revoked"),
                                           ("expired", "expired"), ("replaced", "replaced"), ("lost", "revoked"),
                                           ("received", "suspended"), ("spoiled", "revoked")])  # fmt: skip
def test_every_status_word_signed_with_the_published_key(world, officers, party_key, state, status):
    card, sod, mrz = make_card(world, officers, state)
    client = Client()
    answer = ask(client, party_key, {"serial": card.serial, "sod_sha256": sod.upper(), "nonce": "abc-1"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == status and body["serial"] == card.serial and body["nonce"] == "abc-1"
    assert body["proof"] == "sod_sha256" and body["proof_sha256"] == sod
    assert set(body) == {"serial", "status", "checked_at", "proof", "proof_sha256", "nonce", "key_id", "algorithm",
                         "signature"}, "nothing about the holder"  # fmt: skip
    keys = published_keys(client)
    assert documents.signature_problem(body, keys) == ""
    # the MRZ proves holding the card as well, with the same answer
    by_mrz = ask(client, party_key, {"serial": card.serial, "mrz": mrz.replace("\n", "\r\n")}).json()
    assert by_mrz["status"] == status and by_mrz["proof"] == "mrz"
    assert by_mrz["proof_sha256"] == hashlib.sha256(mrz.encode()).hexdigest()
    assert documents.signature_problem(by_mrz, keys) == ""


def test_an_active_card_past_its_expiry_is_expired(world, officers, party_key):
    card, sod, _mrz = make_card(world, officers, "active", expiry=date(2020, 1, 1))
    assert ask(Client(), party_key, {"serial": card.serial, "sod_sha256": sod}).json()["status"] == "expired"


def test_the_signature_fails_when_a_byte_changes(world, officers, party_key):
    card, sod, _mrz = make_card(world, officers, "revoked")
    client = Client()
    body = ask(client, party_key, {"serial": card.serial, "sod_sha256": sod}).json()
    keys = published_keys(client)
    forged = {**body, "status": "valid"}
    assert documents.signature_problem(forged, keys) == "signature does not match"
    signature = bytearray(base64.b64decode(body["signature"]))
    signature[-1] ^= 1
    assert documents.signature_problem({**body, "signature": base64.b64encode(signature).decode()}, keys)
    assert documents.signature_problem({**body, "key_id": "0" * 16}, keys).startswith("unknown key id")


def test_a_wrong_proof_answers_exactly_as_an_unknown_serial(world, officers, party_key):
    card, sod, _mrz = make_card(world, officers, "active")
    other, other_sod, other_mrz = make_card(world, officers, "active", number=2)
    client = Client()
    wrong_sod = ask(client, party_key, {"serial": card.serial, "sod_sha256": other_sod})
    wrong_mrz = ask(client, party_key, {"serial": card.serial, "mrz": other_mrz})
    unknown = ask(client, party_key, {"serial": make_serial(2026, 99_999_999), "sod_sha256": sod})
    assert unknown.status_code == wrong_sod.status_code == wrong_mrz.status_code == 404
    assert unknown.content == wrong_sod.content == wrong_mrz.content
    assert unknown.json()["code"] == "card_unknown"
    # each is audited for the party with what was answered, never with the proof itself
    entries = AuditEntry.objects.filter(event="card_status_queried").order_by("sequence")
    assert [e.changes["answer"] for e in entries] == ["unknown", "unknown", "unknown"]
    assert all(e.actor_id is None and e.actor_username.startswith("relying-party:") for e in entries)
    assert not any(other_sod in json.dumps(e.changes) for e in entries)


def test_every_query_is_audited_per_party(world, officers, party_key):
    card, sod, _mrz = make_card(world, officers, "active")
    _other, second_key = actions.register_party(officers["admin"], "Bệnh viện Thử")
    client = Client()
    ask(client, party_key, {"serial": card.serial, "sod_sha256": sod})
    ask(client, second_key, {"serial": card.serial, "sod_sha256": sod})
    entries = list(AuditEntry.objects.filter(event="card_status_queried", object_id=card.serial))
    parties = {p.key_id for p in RelyingParty.objects.all()}
    assert {e.changes["party"] for e in entries} == parties
    assert {e.changes["answer"] for e in entries} == {"valid"} and {e.unit_path for e in entries} == {card.unit_path}


def test_batched_audit_writes_every_entry_on_flush(world, officers, party_key, settings, monkeypatch):
    settings.CANCUOC_STATUS_AUDIT = "batched"
    monkeypatch.setattr(querylog, "_start_flusher", lambda: None)  # its own connection would not see the test's data
    card, sod, _mrz = make_card(world, officers, "active")
    before = AuditEntry.objects.filter(event="card_status_queried").count()
    client = Client()
    for _ in range(3):
        assert ask(client, party_key, {"serial": card.serial, "sod_sha256": sod}).status_code == 200
    assert querylog.pending() == 3
    assert querylog.flush() == 3 and querylog.pending() == 0
    assert AuditEntry.objects.filter(event="card_status_queried").count() == before + 3
    # written by whichever request fills the batch, yet each entry keeps its own caller's address
    monkeypatch.setattr(querylog, "BATCH", 2)
    querylog.add(events.party_actor(RelyingParty.objects.get()), AuditEvent(Action.READ, "card", "C26000000019",
                                                                           event="card_status_queried"))  # fmt: skip
    ask(client, party_key, {"serial": card.serial, "sod_sha256": sod}, REMOTE_ADDR="10.1.2.3")
    assert querylog.pending() == 0, "the request that filled the batch wrote it"
    latest = AuditEntry.objects.filter(event="card_status_queried").order_by("-sequence")[:2]
    assert latest[0].changes["address"] == "10.1.2.3" and latest[0].remote_addr == latest[1].remote_addr == ""


@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer cc_123", "Bearer " + "x" * 300])
def test_missing_or_malformed_keys_get_401(header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    answer = Client().post(URL, data="{}", content_type="application/json", **extra)
    assert answer.status_code == 401
    assert answer.json()["code"] in ("api_key_missing", "api_key_invalid") and answer.json()["message_vi"]
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_or_a_disabled_key_gets_401(world, officers, party_key):
    card, sod, _mrz = make_card(world, officers, "active")
    client = Client()
    wrong = party_key[:-3] + ("AAA" if not party_key.endswith("AAA") else "BBB")
    assert ask(client, wrong, {"serial": card.serial, "sod_sha256": sod}).json()["code"] == "api_key_invalid"
    party = RelyingParty.objects.get()
    actions.disable_party(officers["admin"], party.pk)
    answer = ask(client, party_key, {"serial": card.serial, "sod_sha256": sod})
    assert answer.status_code == 401 and answer.json()["code"] == "api_key_invalid"


def test_a_key_without_the_scope_is_refused(world, officers):
    _party, key = actions.register_party(officers["admin"], "Chỉ danh sách", scopes=["status-list"])
    card, sod, _mrz = make_card(world, officers, "active")
    answer = ask(Client(), key, {"serial": card.serial, "sod_sha256": sod})
    assert answer.status_code == 403 and answer.json()["code"] == "scope_missing"
    _party, status_only = actions.register_party(officers["admin"], "Chỉ trạng thái", scopes=["status"])
    listing = Client().get("/api/v1/status-list", HTTP_AUTHORIZATION=f"Bearer {status_only}")
    assert listing.status_code == 403


def test_over_the_rate_gets_429_with_retry_after(world, officers):
    _party, key = actions.register_party(officers["admin"], "Chậm", rate=3)
    card, sod, _mrz = make_card(world, officers, "active")
    client = Client()
    codes = [ask(client, key, {"serial": card.serial, "sod_sha256": sod}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    answer = ask(client, key, {"serial": card.serial, "sod_sha256": sod})
    assert answer.json()["code"] == "rate_limited" and int(answer["Retry-After"]) >= 1


@pytest.mark.parametrize("body, status, code", [
    ("not json", 400, "body_invalid"), ("[1, 2]", 400, "body_invalid"), (b"\xff\xfe", 400, "body_invalid"),
    ("[" * 5000, 400, "body_invalid"),
    ({"serial": 12, "sod_sha256": "a" * 64}, 422, "serial_invalid"),
    ({"serial": "C2600000001X", "sod_sha256": "a" * 64}, 422, "serial_invalid"),
    ({"serial": "C26000000019"}, 422, "proof_missing"),
    ({"serial": "C26000000019", "sod_sha256": "a" * 64, "mrz": "x"}, 422, "proof_missing"),
    ({"serial": "C26000000019", "sod_sha256": "z" * 64}, 422, "proof_invalid"),
    ({"serial": "C26000000019", "sod_sha256": ["a"]}, 422, "proof_invalid"),
    ({"serial": "C26000000019", "mrz": "ABC\nDEF\nGHI"}, 422, "proof_invalid"),
    ({"serial": "C26000000019", "sod_sha256": "a" * 64, "nonce": "<script>"}, 422, "nonce_invalid"),
])  # fmt: skip
def test_bad_bodies_get_clean_errors(party_key, body, status, code):
    answer = ask(Client(), party_key, body)
    assert answer.status_code == status and answer.json()["code"] == code
    assert answer.json()["message_vi"] and answer.json()["message_en"]


def test_form_bodies_and_oversized_bodies_are_refused(party_key):
    client = Client()
    form = client.post(URL, data={"serial": "C26000000019"}, HTTP_AUTHORIZATION=f"Bearer {party_key}")
    assert form.status_code == 400 and form.json()["code"] == "body_invalid"
    large = ask(client, party_key, json.dumps({"serial": "C26000000019", "pad": "x" * 10_000}))
    assert large.status_code in (400, 413)


def test_a_session_is_not_a_key_and_needs_no_csrf_token(world, officers, party_key):
    card, sod, _mrz = make_card(world, officers, "active")
    client = Client(enforce_csrf_checks=True)
    client.force_login(officers["admin"])
    body = json.dumps({"serial": card.serial, "sod_sha256": sod})
    assert client.post(URL, data=body, content_type="application/json").status_code == 401
    with_key = client.post(URL, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {party_key}")
    assert with_key.status_code == 200, "a Bearer request is not a session request: no CSRF token asked"


def test_get_is_not_allowed():
    assert Client().get(URL).status_code == 405


def test_a_client_trying_keys_is_slowed_down(party_key):
    client = Client()
    wrong = "cc_000000000000_" + "A" * 43
    codes = [ask(client, wrong, {"serial": "C26000000019"}).status_code for _ in range(31)]
    assert codes == [401] * 30 + [429]
    assert ask(client, wrong, {}, REMOTE_ADDR="10.9.9.9").status_code == 401, "another address is counted apart"
