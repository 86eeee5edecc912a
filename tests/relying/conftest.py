import hashlib
from datetime import date

import pytest
from django.core.cache import cache

from cancuoc.cards import lifecycle
from cancuoc.relying import actions, ratelimits, selectors, signing
from tests.factories import CitizenFactory

MRZ = ("IDVNM0900123450001090012345<<1", "9003152M3003150VNM<<<<<<<<<<<2", "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<")


@pytest.fixture(autouse=True)
def status_keystore(tmp_path, monkeypatch):
    """Each test its own keystore folder (the status-signing key is made there on first use), no cached
    key or party, no rate counted."""
    monkeypatch.setenv("CANCUOC_PKI_DIR", str(tmp_path / "pki"))
    monkeypatch.setenv("CANCUOC_PKI_PASSPHRASE", "a test passphrase")
    signing.forget()
    selectors.forget_all_keys()
    cache.clear()
    ratelimits.forget()
    yield tmp_path / "pki"
    signing.forget()
    selectors.forget_all_keys()


def mrz_text(number: int) -> str:
    """Three well-formed MRZ lines, distinct per ``number``."""
    first = "IDVNM" + f"{number:09d}" + MRZ[0][14:]
    return "\n".join((first, MRZ[1], MRZ[2]))


def make_card(world, officers, state: str = "active", *, number: int = 1, expiry: date | None = date(2040, 1, 1),
              sod: bytes | None = None):  # fmt: skip
    """A card in ``state``, personalised with an EF.SOD hash and an MRZ hash; returns (card, sod hex, mrz)."""
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    production, officer = officers["production"], officers["thai_thuy"]
    (card,) = lifecycle.order_cards(production, [(citizen, None, world.thai_thuy.path)], reason="lô thử")
    sod_hex = hashlib.sha256(sod or f"EF.SOD of card {number}".encode()).hexdigest()
    mrz = mrz_text(number)
    card = lifecycle.transition(production, card, "personalised", reason="cá nhân hóa", sod_sha256=sod_hex,
                                mrz_sha256=hashlib.sha256(mrz.encode()).hexdigest(), expiry=expiry,
                                issue_date=date(2026, 1, 1))  # fmt: skip
    if state == "personalised":
        return card, sod_hex, mrz
    card = lifecycle.transition(production, card, "dispatched", reason="gửi")
    card = lifecycle.transition(officer, card, "received", reason="nhận")
    if state in ("received", "spoiled"):  # a card spoiled at the station (damaged) is never handed over
        if state == "spoiled":
            card = lifecycle.transition(officer, card, "spoiled", reason="hỏng")
        return card, sod_hex, mrz
    card = lifecycle.hand_over(officer, card, reason="đối chiếu")
    if state != "active":
        card = lifecycle.transition(officers["admin"], card, state, reason=f"→ {state}")
    return card, sod_hex, mrz


@pytest.fixture
def party_key(officers):
    """The API key of a bank allowed both scopes at 1,000 queries a minute."""
    _party, key = actions.register_party(officers["admin"], "Ngân hàng Thử", scopes=["status", "status-list"], rate=1000)
    return key
