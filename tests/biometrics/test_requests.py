"""The ABIS queue: asynchronous, idempotent by request id, audited, retried after an engine failure,
biometric data sealed at rest. Runs against a fake backend of the contract."""

import pytest

from cancuoc.accounts.permissions import PermissionDenied
from cancuoc.audit.models import AuditEntry, Event
from cancuoc.biometrics import abis, requests
from cancuoc.biometrics.errors import BiometricsError, BiometricsErrorCode
from cancuoc.biometrics.models import AbisRequest

from .fakes import FakeAbis


@pytest.fixture
def fake(monkeypatch):
    engine = FakeAbis()
    monkeypatch.setattr(abis, "_backend", engine)
    yield engine
    abis.reset_backend()


pytestmark = pytest.mark.django_db


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """``requests.submit`` as a caller sees it: the task is handed to the worker when the transaction
    commits (the test settings' task backend runs it at once)."""

    def call(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return requests.submit(*args, **kwargs)

    return call


def test_insert_then_identify_finds_the_reference_and_the_queue_runs_it(submit, fake):
    submit(None, request_id="r1", operation="insert", reference="APP-1", record=b"FMR-one")
    assert fake.gallery == {"APP-1": b"FMR-one"}  # the immediate task backend ran it after commit
    found = submit(None, request_id="r2", operation="identify", record=b"FMR-one")
    found.refresh_from_db()
    assert found.status == AbisRequest.Status.DONE
    assert found.result == {"candidates": [{"reference": "APP-1", "score": 1.0, "match": True}]}


def test_same_request_twice_is_one_request_and_one_engine_call(submit, fake):
    first = submit(None, request_id="same", operation="insert", reference="A", record=b"x")
    again = submit(None, request_id="same", operation="insert", reference="A", record=b"x")
    assert first.pk == again.pk
    assert AbisRequest.objects.count() == 1
    assert fake.calls == ["insert"]
    requests.process(first.pk)  # a second worker picking it up: nothing is done again
    assert fake.calls == ["insert"]


def test_a_request_id_reused_with_other_content_is_refused(submit, fake):
    submit(None, request_id="k", operation="insert", reference="A", record=b"x")
    with pytest.raises(BiometricsError) as refused:
        submit(None, request_id="k", operation="insert", reference="A", record=b"y")
    assert refused.value.code is BiometricsErrorCode.REQUEST_ID_REUSED
    assert fake.gallery["A"] == b"x"


def test_the_probe_is_sealed_at_rest(submit, fake):
    request = submit(None, request_id="p", operation="insert", reference="A", record=b"FMR-secret-bytes")
    stored = bytes(AbisRequest.objects.get(pk=request.pk).templates)
    assert b"FMR-secret-bytes" not in stored and stored.startswith(b"E1")


def test_identify_by_reference_leaves_the_reference_out(submit, fake):
    for n, record in enumerate([b"same", b"same", b"other"]):
        submit(None, request_id=f"i{n}", operation="insert", reference=f"R{n}", record=record)
    request = submit(None, request_id="by-ref", operation="identify", reference="R0")
    request.refresh_from_db()
    references = [c["reference"] for c in request.result["candidates"]]
    assert "R0" not in references and references[0] == "R1"


def test_identify_with_an_unknown_reference_fails_with_its_code(submit, fake):
    request = submit(None, request_id="u", operation="identify", reference="NOPE")
    request.refresh_from_db()
    assert request.status == AbisRequest.Status.FAILED and request.error_code == "reference_unknown"
    assert AuditEntry.objects.filter(event=Event.ABIS_REQUEST_FAILED, object_id="u").exists()


def test_an_engine_failure_leaves_the_request_queued_and_a_retry_completes_it(submit, fake):
    fake.down = True
    request = submit(None, request_id="down", operation="insert", reference="A", record=b"x")
    request.refresh_from_db()
    assert request.status == AbisRequest.Status.QUEUED and request.error_code == "engine_failed"
    fake.down = False
    request = requests.retry(request.pk)
    assert request.status == AbisRequest.Status.DONE and request.attempts == 2
    assert fake.gallery == {"A": b"x"}


def test_delete_is_idempotent(submit, fake):
    submit(None, request_id="a", operation="insert", reference="A", record=b"x")
    first = submit(None, request_id="d1", operation="delete", reference="A")
    second = submit(None, request_id="d2", operation="delete", reference="A")
    first.refresh_from_db(), second.refresh_from_db()
    assert first.result == {"deleted": True} and second.result == {"deleted": False}


def test_every_request_is_audited_without_biometric_data(submit, fake):
    submit(None, request_id="a1", operation="insert", reference="A", record=b"FMR-raw")
    submit(None, request_id="a2", operation="identify", record=b"FMR-raw")
    events = list(AuditEntry.objects.filter(object_type="abis_request").values_list("event", "object_id"))
    assert (Event.ABIS_REQUEST_SUBMITTED, "a1") in events and (Event.ABIS_REQUEST_COMPLETED, "a2") in events
    for entry in AuditEntry.objects.filter(object_type="abis_request"):
        assert "FMR-raw" not in str(entry.changes)
    completed = AuditEntry.objects.get(event=Event.ABIS_REQUEST_COMPLETED, object_id="a2")
    assert completed.changes["matches"] == ["A"]


@pytest.mark.parametrize("bad", ["", "x" * 65, "có dấu", "a/b", "a\x00b", None, 7])
def test_garbage_ids_are_refused_before_anything_is_written(submit, fake, bad):
    with pytest.raises(BiometricsError):
        submit(None, request_id="ok", operation="insert", reference=bad, record=b"x")
    with pytest.raises(BiometricsError):
        submit(None, request_id=bad, operation="insert", reference="ok", record=b"x")
    assert not AbisRequest.objects.exists()


def test_a_gallery_restricts_the_search(submit, fake):
    for ref in ("A", "B"):
        submit(None, request_id=f"g{ref}", operation="insert", reference=ref, record=b"same")
    request = submit(None, request_id="gal", operation="identify", record=b"same", gallery=["B"])
    request.refresh_from_db()
    assert [c["reference"] for c in request.result["candidates"]] == ["B"]


def test_roles_without_the_abis_verbs_are_refused(submit, fake, officers):
    with pytest.raises(PermissionDenied):
        submit(officers["thai_thuy"], request_id="c1", operation="identify", record=b"x")
    with pytest.raises(PermissionDenied):
        submit(officers["hung_yen"], request_id="c2", operation="insert", reference="A", record=b"x")
    request = submit(officers["admin"], request_id="c3", operation="insert", reference="A", record=b"x")
    assert request.requested_by == officers["admin"]
