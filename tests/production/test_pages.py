"""The production pages (operators) and the station's receipt page (commune officers), and the API:
who may open what, bad input answered cleanly, lists in a bounded number of queries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from cancuoc.cards.models import Card
from cancuoc.production import actions, fileformat, running
from cancuoc.production.models import Parcel, ProductionBatch

from .conftest import make_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, production):
    client.force_login(production["officers"]["production"])
    return client


def _produced(production, count=2, station="thai_thuy", province="33"):
    make_ready(production, station, count)
    return running.run_batch(actions.create_batch(None, province).pk)


def test_the_batch_list_is_for_production_operators_only(client, production):
    assert reverse("production-batches") == "/production/"
    for name in ("thai_thuy", "hung_yen", "auditor"):
        client.force_login(production["officers"][name])
        assert client.get("/production/").status_code == 403
    client.force_login(production["officers"]["production"])
    assert client.get("/production/").status_code == 200


def test_the_batch_list_shows_live_progress_in_a_bounded_number_of_queries(operator_client, production,
                                                                          django_assert_max_num_queries):  # fmt: skip
    _produced(production, 1)
    make_ready(production, "ba_dinh", 2)
    waiting = actions.create_batch(None, "01")
    with django_assert_max_num_queries(12):
        response = operator_client.get("/production/")
    body = response.content.decode()
    assert waiting.code in body and f'hx-get="/production/batches/{waiting.pk}/progress"' in body
    for _ in range(5):
        make_ready(production, "ba_dinh", 1)
        actions.create_batch(None, "01")
    with django_assert_max_num_queries(12):
        operator_client.get("/production/")
    fragment = operator_client.get(f"/production/batches/{waiting.pk}/progress")
    assert fragment.status_code == 200 and "0 / 2" in fragment.content.decode()


def test_creating_a_batch_on_the_page_runs_it_in_the_background(operator_client, production,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    make_ready(production, "thai_thuy", 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post("/production/batches/new", {"province": "33", "limit": "10"})
    batch = ProductionBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/production/batches/{batch.pk}/"
    batch.refresh_from_db()
    assert batch.state == ProductionBatch.State.PRODUCED  # the immediate task backend ran it
    page = operator_client.get(response["Location"])
    assert page.status_code == 200 and batch.file_sha256 in page.content.decode()
    for bad in ({"province": "99"}, {"province": "33", "limit": "abc"}, {"province": "33", "limit": "999999999"},
                {"province": "33", "priority": "x"}, {}):  # fmt: skip
        response = operator_client.post("/production/batches/new", bad)
        assert response.status_code == 302 and response["Location"] == "/production/"
    assert ProductionBatch.objects.count() == 1
    for url in ("/production/batches/999999/", "/production/batches/999999/progress", "/production/batches/999999/qc"):
        assert operator_client.get(url).status_code == 404


def test_download_of_the_production_file_is_audited(operator_client, production):
    from cancuoc.audit.models import AuditEntry, Event

    batch = _produced(production)
    response = operator_client.get(f"/production/batches/{batch.pk}/file")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(batch.file_path).read_bytes()
    assert AuditEntry.objects.filter(event=Event.PRODUCTION_FILE_EXPORTED, object_id=batch.code).count() == 1


def test_quality_control_page_shows_the_faces_and_records_outcomes(operator_client, production):
    batch = _produced(production, 3)
    serials = list(batch.items.order_by("position").values_list("card__serial", flat=True))
    page = operator_client.get(f"/production/batches/{batch.pk}/qc")
    assert page.status_code == 200 and all(serial in page.content.decode() for serial in serials)
    face = operator_client.get(f"/production/batches/{batch.pk}/cards/{serials[0]}/front.png")
    assert face.status_code == 200 and face.content[:4] == b"\x89PNG"
    from cancuoc.audit.models import AuditEntry, Event

    assert AuditEntry.objects.filter(event=Event.CARD_VIEWED, object_id=serials[0]).count() == 1  # a portrait seen
    assert AuditEntry.objects.filter(event=Event.CARDS_LISTED).count() == 1  # the page's list of holders
    for bad in (f"/production/batches/{batch.pk}/cards/{serials[0]}/side.png",
                f"/production/batches/{batch.pk}/cards/NOTASERIAL/front.png"):  # fmt: skip
        assert operator_client.get(bad).status_code == 404
    operator_client.post(f"/production/batches/{batch.pk}/qc", {"serial": serials[0], "outcome": "spoiled",
                                                                "reason": "mờ / blurred"})  # fmt: skip
    response = operator_client.post(f"/production/batches/{batch.pk}/qc", {"serial": serials[1], "outcome": "spoiled"})
    assert response.status_code == 302  # no reason: refused with a message, nothing written
    operator_client.post(f"/production/batches/{batch.pk}/qc", {"serial": "garbage" * 50, "outcome": "passed"})
    operator_client.post(f"/production/batches/{batch.pk}/qc", {"all": "1"})
    states = dict(batch.items.values_list("card__serial", "qc"))
    assert states == {serials[0]: "spoiled", serials[1]: "passed", serials[2]: "passed"}
    response = operator_client.post(f"/production/batches/{batch.pk}/dispatch")
    assert response.status_code == 302 and Card.objects.filter(state="dispatched").count() == 2
    parcel = Parcel.objects.get()
    pdf = operator_client.get(f"/production/parcels/{parcel.pk}/list.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_the_station_receives_its_cards_by_scanning(client, production):
    batch = _produced(production, 2)
    operator = production["officers"]["production"]
    actions.pass_remaining(operator, batch)
    parcel = actions.dispatch_batch(operator, batch)[0]
    entries = {json.loads(e["card.json"])["serial"]: e for _f, e in fileformat.iter_cards(Path(batch.file_path))}
    serial, other = list(entries)
    assert reverse("card-receive") == "/production/receive/"
    client.force_login(production["officers"]["production"])
    assert client.get("/production/receive/").status_code == 403
    client.force_login(production["officers"]["ba_dinh"])  # Hà Nội: not this station's area
    assert client.get("/production/receive/").status_code == 200
    response = client.post("/production/receive/", {"scan": serial})
    assert response.status_code == 404 and Card.objects.get(serial=serial).state == "dispatched"
    assert client.get(f"/production/parcels/{parcel.pk}/list.pdf").status_code == 404
    client.force_login(production["officers"]["thai_thuy"])
    page = client.get("/production/receive/")
    assert parcel.code in page.content.decode()
    assert client.get(f"/production/parcels/{parcel.pk}/list.pdf").status_code == 200
    mrz = "\n".join(json.loads(entries[serial]["card.json"])["mrz"])
    response = client.post("/production/receive/", {"scan": mrz}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and serial in response.content.decode()
    assert Card.objects.get(serial=serial).state == "received"
    for garbage, status in (("", 422), ("nonsense", 422), ("x" * 20000, 422), ("C26000000000", 422)):
        response = client.post("/production/receive/", {"scan": garbage})
        assert response.status_code == status, garbage
        body = response.content.decode()
        assert "QR" in body or "thẻ" in body
    assert client.post("/production/receive/", {"scan": other}).status_code == 200
    parcel.refresh_from_db()
    assert parcel.state == Parcel.State.RECEIVED


def test_the_api_creates_checks_dispatches_and_receives(client, production, django_capture_on_commit_callbacks):
    make_ready(production, "thai_thuy", 2)
    client.force_login(production["officers"]["production"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/production/batches", {"province": "33"}, content_type="application/json")
    assert response.status_code == 201
    code = response.json()["code"]
    batch = client.get(f"/api/v1/production/batches/{code}").json()
    assert batch["state"] == "produced" and batch["personalised_count"] == 2
    refused = client.post("/api/v1/production/batches", {"province": "99"}, content_type="application/json")
    assert refused.status_code == 422 and set(refused.json()) >= {"code", "message_vi", "message_en"}
    assert client.post("/api/v1/production/batches", {"province": 5}, content_type="application/json").status_code in (400, 422)
    assert client.get("/api/v1/production/batches/nope").status_code == 404
    busy = client.post(f"/api/v1/production/batches/{code}/resume")
    assert busy.status_code == 409 and busy.json()["code"] == "batch_not_runnable"
    serials = list(ProductionBatch.objects.get(code=code).items.values_list("card__serial", flat=True))
    answer = client.post(f"/api/v1/production/batches/{code}/qc", {"serial": serials[0], "outcome": "passed"},
                         content_type="application/json")  # fmt: skip
    assert answer.status_code == 200 and answer.json()["passed_count"] == 1
    again = client.post(f"/api/v1/production/batches/{code}/qc", {"serial": serials[0], "outcome": "passed"},
                        content_type="application/json")  # fmt: skip
    assert again.status_code == 409 and again.json()["code"] == "card_not_in_qc"
    parcels = client.post(f"/api/v1/production/batches/{code}/dispatch").json()
    assert [p["card_count"] for p in parcels] == [1]
    client.force_login(production["officers"]["thai_thuy"])
    assert client.get("/api/v1/production/batches").status_code == 403
    receipt = client.post("/api/v1/production/receipts", {"scan": serials[0]}, content_type="application/json")
    assert receipt.status_code == 200 and receipt.json()["state"] == "received"
    unknown = client.post("/api/v1/production/receipts", {"scan": "???"}, content_type="application/json")
    assert unknown.status_code == 422 and unknown.json()["code"] == "scan_unreadable"


def test_batch_detail_quality_control_and_receipt_pages_in_a_bounded_number_of_queries(
        client, production, django_assert_max_num_queries):  # fmt: skip
    batch = _produced(production, 6)
    operator = production["officers"]["production"]
    client.force_login(operator)
    for url in (f"/production/batches/{batch.pk}/", f"/production/batches/{batch.pk}/qc"):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
    actions.pass_remaining(operator, batch)
    actions.dispatch_batch(operator, batch)
    with django_assert_max_num_queries(14):
        assert client.get(f"/production/batches/{batch.pk}/").status_code == 200
    client.force_login(production["officers"]["thai_thuy"])
    with django_assert_max_num_queries(10):
        assert client.get("/production/receive/").status_code == 200
