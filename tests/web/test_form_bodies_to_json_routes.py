"""A multipart body sent to a JSON route through a real server: the CSRF check reads it as a form first."""

import pytest
import requests

from cancuoc.registry.models import Citizen


@pytest.mark.django_db(transaction=True)
def test_a_multipart_body_to_a_json_route_is_refused_in_the_error_shape(live_server, officers, flushable_audit_log):
    session = requests.Session()
    session.get(live_server.url + "/login/")
    session.post(live_server.url + "/login/", data={"username": "officer_thai_thuy", "password": "correct-horse-battery",
                                                    "csrfmiddlewaretoken": session.cookies["csrftoken"]})  # fmt: skip
    response = session.post(live_server.url + "/api/v1/citizens", files={"a": ("a", "b")},
                            headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": live_server.url + "/"})  # fmt: skip
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Citizen.objects.exists()
