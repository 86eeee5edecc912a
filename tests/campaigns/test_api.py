"""The campaign API: shapes, areas, bad input answered as {code, message_vi, message_en}."""

from cancuoc.campaigns import counting
from cancuoc.registry.models import ChangeRequest

from .conftest import apply


def test_coverage_and_outstanding(client, campaign, officers, world):
    apply(campaign["an"], officers["thai_thuy"], world.thai_thuy)
    counting.fold()
    client.force_login(officers["thai_thuy"])
    tree = client.get("/api/v1/campaigns/coverage", {"unit": "12730"}).json()
    assert tree["target"] == 6 and tree["applications"] == 1
    rows = client.get("/api/v1/campaigns/outstanding", {"unit": "12730"}).json()["rows"]
    assert len(rows) == 6  # 5 adults without an application and the one turning 14
    refused = client.get("/api/v1/campaigns/coverage", {"unit": "33"})
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    bad = client.get("/api/v1/campaigns/coverage", {"unit": "12730", "on": "99/99/9999"})
    assert bad.status_code == 422 and set(bad.json()) == {"code", "message_vi", "message_en"}
    assert client.get("/api/v1/campaigns/coverage", {"unit": "x" * 500}).status_code in (404, 422)


def test_visit_api_files_a_change_request_once(client, campaign, officers):
    client.force_login(officers["thai_thuy"])
    body = {"id_number": campaign["cuong"].id_number, "outcome": "dead", "visited_on": "01/11/2026",
            "died_on": "28/10/2026"}
    first = client.post(
        "/api/v1/campaigns/visits", body, content_type="application/json", headers={"Idempotency-Key": "v1"}
    )
    again = client.post(
        "/api/v1/campaigns/visits", body, content_type="application/json", headers={"Idempotency-Key": "v1"}
    )
    assert first.status_code == 200 and first.json() == again.json()
    assert ChangeRequest.objects.filter(citizen=campaign["cuong"]).count() == 1
    wrong = client.post("/api/v1/campaigns/visits", {"id_number": "abc", "outcome": "dead"},
                        content_type="application/json")  # fmt: skip
    assert wrong.status_code == 404
    garbage = client.post("/api/v1/campaigns/visits", "[1,2", content_type="application/json")
    assert garbage.status_code in (400, 422)


def test_simulate_api(client, officers, db):
    client.force_login(officers["thai_thuy"])
    answer = client.get("/api/v1/campaigns/simulate", {"officers": 2, "minutes_per_application": 3,
                                                       "arrivals_per_hour": 30, "hours": 4}).json()  # fmt: skip
    assert set(answer) == {"served", "waiting_p90_minutes", "utilisation"}
    assert client.get("/api/v1/campaigns/simulate", {"officers": "x", "minutes_per_application": 3,
                                                     "arrivals_per_hour": 30, "hours": 4}).status_code == 422  # fmt: skip


def test_a_simulation_too_large_to_be_a_station_day_is_refused_at_once(client, officers, db):
    import time

    client.force_login(officers["thai_thuy"])
    start = time.perf_counter()
    answer = client.get("/api/v1/campaigns/simulate", {"officers": 1, "minutes_per_application": 240,
                                                       "arrivals_per_hour": 5000, "hours": 72})  # fmt: skip
    assert answer.status_code == 422 and "20000" in answer.json()["message_en"] + str(answer.json())
    assert time.perf_counter() - start < 2, "refused before anything is simulated"
    tiny = client.get("/api/v1/campaigns/simulate", {"officers": 500, "minutes_per_application": 1e-9,
                                                     "arrivals_per_hour": 30, "hours": 4})  # fmt: skip
    assert tiny.status_code == 422
