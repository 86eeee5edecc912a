"""Hostile log-in input: a username longer than any stored one is refused cleanly, on both databases."""

import pytest


@pytest.mark.parametrize("length", [151, 256, 5000])
def test_an_overlong_username_is_an_ordinary_failed_log_in(client, officers, length):
    answer = client.post("/login/", {"username": "a" * length, "password": "whatever-password"})
    assert answer.status_code == 200  # the form again, with its error; never a server error
    assert not answer.wsgi_request.user.is_authenticated
