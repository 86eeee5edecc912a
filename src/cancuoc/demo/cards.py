"""The demo's cards: the approved demo applications go through production (a batch, quality control,
dispatch), are received at their stations and half of them handed over, through the same actions the
production centre and the stations use; and a demo relying party whose key the bootstrap prints."""

from __future__ import annotations

from django.conf import settings

from cancuoc.accounts.models import User

DEMO_PARTY = "Ngân hàng demo / Demo bank"
HANDOVER_REASON = "Đối chiếu ảnh trên thẻ với người nhận (demo) / portrait compared with the holder (demo)"


def _user(username: str):
    return User.objects.filter(username=username, is_active=True).first()


def produce_cards(province_code: str, *, hand_over_share: float = 0.5) -> dict[str, int]:
    """One production batch of the province's approved applications, run, passed, dispatched, received;
    ``hand_over_share`` of the cards handed over by looking. Returns what was done (zeros when nothing waits)."""
    from cancuoc.issuance import actions as issuance
    from cancuoc.issuance.models import Handover
    from cancuoc.production import actions as production
    from cancuoc.production import running
    from cancuoc.production.errors import ProductionError

    operator, station_officer = _user("production"), _user("province")
    done = {"produced": 0, "received": 0, "handed_over": 0}
    if operator is None or station_officer is None:
        return done
    running.ensure_demo_machine_key()
    try:
        batch = production.create_batch(operator, province_code)
    except ProductionError:  # nothing approved yet
        return done
    batch = running.run_batch(batch.pk, actor=operator)
    done["produced"] = production.pass_remaining(operator, batch)
    parcels = production.dispatch_batch(operator, batch)
    cards = [item.card for parcel in parcels for item in parcel.items.select_related("card").order_by("position")]
    for card in cards:
        production.receive_scan(station_officer, card.serial)
        done["received"] += 1
    for card in cards[: int(len(cards) * hand_over_share)]:
        card.refresh_from_db()
        issuance.hand_over(station_officer, card, issuance.Check(Handover.Method.LOOKING), reason=HANDOVER_REASON)
        done["handed_over"] += 1
    return done


def ensure_relying_party() -> str | None:
    """The demo bank's API key: made once and kept in ``var/demo-relying-party.key`` (a demo convenience:
    a real party receives its key once, from `cancuoc relying-party add`)."""
    from cancuoc.relying import actions as relying
    from cancuoc.relying.models import RelyingParty

    path = settings.VAR_DIR / "demo-relying-party.key"
    if RelyingParty.objects.filter(name=DEMO_PARTY).exists():
        return path.read_text().strip() if path.exists() else None
    admin = _user("admin")
    if admin is None:
        return None
    _party, key = relying.register_party(admin, DEMO_PARTY)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key
