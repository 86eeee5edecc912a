"""Chromium for the end-to-end tests (Playwright), launched once per test against the live server.

Skipped only when no Chromium is installed and the run does not require it; CI sets
CANCUOC_REQUIRE_E2E=1, so there a missing browser fails the run.
"""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser(monkeypatch):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CANCUOC_REQUIRE_E2E") == "1":
            pytest.fail("Chromium is not installed (run `make system-packages` as root); CANCUOC_REQUIRE_E2E=1")
        pytest.skip("Chromium is not installed: run `make system-packages` as root")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's event loop shares this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()
        # Inside Playwright's context the ORM queries of the test body get connections of their own
        # (Django keeps connections per context): close them here, in that context, or PostgreSQL
        # refuses to drop the test database while one is open.
        from django.db import connections

        connections.close_all()


@pytest.fixture
def browser_page(browser):
    """A desktop-sized page."""
    return browser.new_page(viewport=DESKTOP)
