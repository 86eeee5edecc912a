"""The only write path of the campaign's own tables: one function per change, each taking the acting
user, one transaction, its typed audit event inside it. A visit's "dead" or "moved" becomes a registry
change request for a supervisor (``registry.actions.changes.request_change``), never an edit of the record.
The kept counts are written by ``counting`` only (fold, rebuild, and ``refresh_citizen`` when a visit or a
condition changes a citizen's outstanding reason)."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound, Verb, require_permission
from cancuoc.registry.models import Citizen
from cancuoc.registry.validation import has_forbidden_characters
from cancuoc.units.models import AdministrativeUnit, Level, Structure

from . import counting, events
from .access import access_area, access_citizen
from .errors import CampaignError
from .errors import CampaignErrorCode as Code
from .models import (
    SLOT_HOURS,
    Announcement,
    Assignment,
    Condition,
    Outcome,
    PlaceKind,
    Slot,
    Team,
    TeamVisit,
    Visit,
)  # fmt: skip
from .selectors import area_of

NOTE_LIMIT = 300
ANNOUNCEMENT_LIMIT = 1000  # the outbox's message limit


def clean_text(
    text, *, limit: int = NOTE_LIMIT, required: bool = False, code: Code = Code.NOTE_INVALID
) -> str:
    text = unicodedata.normalize("NFC", "" if text is None else str(text)).strip()
    if (
        (required and not text)
        or len(text) > limit
        or has_forbidden_characters(text)
        or any(unicodedata.category(char) in ("Cc", "Cf") for char in text)
    ):
        raise CampaignError(code)
    return text


def _unit_path_of(citizen: Citizen) -> str:
    unit = citizen.permanent_unit or citizen.current_unit or citizen.temporary_unit
    return unit.path if unit else ""


OUTCOME_VI = {"enrolled": "đã thu nhận", "refused": "từ chối", "absent": "vắng nhà", "moved": "đã chuyển đi",
              "dead": "đã mất"}  # fmt: skip


def record_visit(actor, citizen: Citizen, outcome: str, *, visited_on: date | None = None, note: str = "",
                 team: Team | None = None, moved_to: str = "", moved_address: str = "", died_on: date | None = None,
                 idempotency_key: str = "") -> Visit:  # fmt: skip
    """A door-to-door visit's outcome. "dead" (with the date of death, which the officer must give) and
    "moved" (the commune moved to, and the address there when known) file a change request for a supervisor;
    the note stays the visit's note. The citizen's outstanding reason follows at once. A repeated submit with
    the same key returns the visit already recorded."""
    access_citizen(actor, citizen, Verb.VISIT_RECORD)
    if outcome not in Outcome.values:
        raise CampaignError(Code.OUTCOME_UNKNOWN)
    note = clean_text(note)
    key = clean_text(idempotency_key, limit=80)
    visited_on = visited_on or timezone.localdate()
    if visited_on > timezone.localdate():
        raise CampaignError(Code.DATE_INVALID, value=f"{visited_on:%d/%m/%Y}")
    if key and (done := Visit.objects.filter(officer=actor, idempotency_key=key).first()) is not None:
        return done
    raw: dict = {}
    if outcome == Outcome.DEAD:
        if died_on is None or died_on > visited_on or died_on < citizen.birth_date:
            raise CampaignError(Code.DEATH_DATE_REQUIRED)
        raw = {"date_of_death": f"{died_on:%d/%m/%Y}"}
    elif outcome == Outcome.MOVED:
        moved_to = clean_text(moved_to, limit=20)
        if not moved_to:
            raise CampaignError(Code.MOVED_WHERE_REQUIRED)
        unit = AdministrativeUnit.objects.filter(code=moved_to.zfill(5), level=Level.COMMUNE,
                                                 structure=Structure.Y2025).first()  # fmt: skip
        if unit is None:
            raise CampaignError(Code.UNIT_NOT_FOUND, code=moved_to)
        # the street address there when the family knows it; otherwise none (the old one is of the old commune)
        raw = {"current_unit_code": unit.code, "current_address": clean_text(moved_address, limit=200)}
    try:
        with transaction.atomic():
            change = None
            if raw:
                change = _request_change(actor, citizen, raw, outcome=outcome, note=note)
            visit = Visit.objects.create(citizen=citizen, team=team, officer=actor, outcome=outcome,
                                         visited_on=visited_on, note=note, change_request=change,
                                         idempotency_key=key)  # fmt: skip
            events.visit_recorded(actor, visit, unit_path=_unit_path_of(citizen))
            counting.refresh_citizen(citizen.pk)
    except IntegrityError:  # the same key submitted twice at once
        done = Visit.objects.filter(officer=actor, idempotency_key=key).first() if key else None
        if done is None:
            raise
        return done
    return visit


def _request_change(actor, citizen, raw: dict, *, outcome: str, note: str):
    from cancuoc.registry.actions import RegistryError
    from cancuoc.registry.actions.changes import request_change

    reason = f"Thăm hộ: {OUTCOME_VI.get(outcome, outcome)} / door-to-door visit: {outcome}" + (
        f" — {note}" if note else ""
    )
    try:
        return request_change(actor, citizen, raw, reason=reason[:300])
    except RegistryError as error:
        problems = error.problems
        raise CampaignError(Code.CHANGE_REFUSED, detail_vi="; ".join(p.message_vi for p in problems),
                            detail_en="; ".join(p.message_en for p in problems)) from None  # fmt: skip


def record_condition(actor, citizen: Citizen, kind: str, *, reason: str = "") -> Condition:
    """An officer records a citizen as sick or disabled: the outstanding list suggests a home visit."""
    access_citizen(actor, citizen, Verb.VISIT_RECORD)
    if kind not in Condition.Kind.values:
        raise CampaignError(Code.CONDITION_UNKNOWN)
    reason = clean_text(reason)
    with transaction.atomic():
        condition, _created = Condition.objects.get_or_create(
            citizen=citizen, kind=kind, defaults={"noted_by": actor}
        )
        events.condition_recorded(
            actor, citizen, kind=kind, unit_path=_unit_path_of(citizen), reason=reason or kind
        )
        counting.refresh_citizen(citizen.pk)
    return condition


def create_team(actor, *, code: str, name: str, unit: AdministrativeUnit, officers: int = 2,
                minutes_per_application: int = 5, station=None) -> Team:  # fmt: skip
    access_area(actor, area_of(unit), Verb.CAMPAIGN_PLAN)
    code = clean_text(code, limit=20, required=True, code=Code.TEAM_CODE_INVALID)
    if not all(char.isascii() and (char.isalnum() or char in "-._") for char in code):
        raise CampaignError(Code.TEAM_CODE_INVALID)  # the pages find a team by such a code only
    name = clean_text(name, limit=120, required=True, code=Code.PLACE_INVALID)
    if not (isinstance(officers, int) and 1 <= officers <= 50):
        raise CampaignError(Code.NUMBER_INVALID, name="officers", low=1, high=50)
    if not (isinstance(minutes_per_application, int) and 1 <= minutes_per_application <= 60):
        raise CampaignError(Code.NUMBER_INVALID, name="minutes", low=1, high=60)
    try:
        with transaction.atomic():
            team = Team.objects.create(code=code, name=name, unit=unit, unit_path=unit.path, station=station,
                                       officers=officers, minutes_per_application=minutes_per_application)  # fmt: skip
            events.team_plan_changed(actor, team=team, unit_path=unit.path, what="team created",
                                     changes={"name": name, "officers": officers})  # fmt: skip
    except IntegrityError:
        raise CampaignError(Code.TEAM_EXISTS, code=code) from None
    return team


def plan_visit(actor, team: Team, *, day: date, slot: str, unit: AdministrativeUnit, place_kind: str,
               place_name: str, expected: int = 0) -> TeamVisit:  # fmt: skip
    """Put a team in a place for one slot of a day. The database refuses a second place for the same team
    and slot; that refusal comes back as TEAM_BUSY."""
    access_area(actor, area_of(team.unit), Verb.CAMPAIGN_PLAN)
    access_area(actor, area_of(unit), Verb.CAMPAIGN_PLAN)
    if slot not in Slot.values:
        raise CampaignError(Code.SLOT_UNKNOWN)
    if place_kind not in PlaceKind.values:
        raise CampaignError(Code.PLACE_INVALID)
    if unit.level != Level.COMMUNE or unit.structure != Structure.Y2025:
        raise CampaignError(Code.NOT_A_COMMUNE)
    if day < timezone.localdate():
        raise CampaignError(Code.DAY_IN_PAST)
    place_name = clean_text(place_name, limit=120, required=True, code=Code.PLACE_INVALID)
    if not 0 <= int(expected) <= 100_000:
        raise CampaignError(Code.NUMBER_INVALID, name="expected", low=0, high=100_000)
    try:
        with transaction.atomic():
            visit = TeamVisit.objects.create(team=team, day=day, slot=slot, unit=unit, unit_path=unit.path,
                                             place_kind=place_kind, place_name=place_name, expected=expected,
                                             created_by=actor)  # fmt: skip
            events.team_plan_changed(actor, team=team, unit_path=unit.path, what="visit planned", changes={
                "day": day.isoformat(), "slot": slot, "unit": unit.code, "place": place_name})  # fmt: skip
    except IntegrityError:
        raise CampaignError(
            Code.TEAM_BUSY, team=team.code, day=f"{day:%d/%m/%Y}", slot=Slot(slot).label
        ) from None
    return visit


def cancel_visit(actor, visit: TeamVisit, *, reason: str) -> None:
    access_area(actor, area_of(visit.team.unit), Verb.CAMPAIGN_PLAN)
    reason = clean_text(reason, required=True)
    with transaction.atomic():
        events.team_plan_changed(actor, team=visit.team, unit_path=visit.unit_path, what=f"visit cancelled: {reason}",
                                 changes={"day": visit.day.isoformat(), "slot": visit.slot})  # fmt: skip
        visit.delete()


def capacity_of(team: Team, slot: str) -> int:
    """Applications a team can take in one slot: officers × minutes of the slot ÷ minutes per application."""
    return team.officers * SLOT_HOURS[Slot(slot)] * 60 // max(team.minutes_per_application, 1)


def assign(actor, team: Team, citizens: list[Citizen]) -> int:
    """Put outstanding citizens on a team's list (taking them off another team's)."""
    access_area(actor, area_of(team.unit), Verb.CAMPAIGN_PLAN)
    if not citizens:
        raise CampaignError(Code.NOTHING_TO_ASSIGN)
    for citizen in citizens:
        access_citizen(actor, citizen, Verb.CAMPAIGN_READ)
    # a team visits the citizens of its own commune (one living elsewhere goes to that commune's team)
    unit_ids = {uid for c in citizens for uid in (c.permanent_unit_id, c.temporary_unit_id, c.current_unit_id) if uid}
    paths = dict(AdministrativeUnit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
    for citizen in citizens:
        homes = (citizen.permanent_unit_id, citizen.temporary_unit_id, citizen.current_unit_id)
        if not any(paths.get(uid, "").startswith(team.unit_path) for uid in homes if uid):
            raise CampaignError(Code.CITIZEN_NOT_FOUND)
    with transaction.atomic():
        Assignment.objects.filter(citizen__in=citizens).delete()
        Assignment.objects.bulk_create(
            [Assignment(citizen=c, team=team, assigned_by=actor) for c in citizens]
        )
        events.team_plan_changed(actor, team=team, unit_path=team.unit_path, what="citizens assigned",
                                 changes={"count": len(citizens)})  # fmt: skip
    return len(citizens)


def send_announcement(actor, unit: AdministrativeUnit, *, body_vi: str, body_en: str) -> Announcement:
    """Keep a commune's announcement and queue it through the outbox to each household's head, by the phone
    and channel given at the counter (``issuance.CitizenContact``; without one the outbox keeps the message
    as "no channel" for a call or a visit). The same text for the same unit on the same day is one announcement:
    a repeated or double-clicked submit returns the first and queues nothing more (the outbox keys are made of
    the unit, the day and the text, so even two submits at the same moment send each head one message)."""
    access_area(actor, area_of(unit), Verb.CAMPAIGN_PLAN)
    body_vi = clean_text(body_vi, limit=ANNOUNCEMENT_LIMIT, required=True)
    body_en = clean_text(body_en, limit=ANNOUNCEMENT_LIMIT, required=True)
    today = timezone.localdate()
    same = (Announcement.objects.filter(unit=unit, body_vi=body_vi, body_en=body_en)
            .filter(created_at__gte=timezone.make_aware(datetime.combine(today, time.min))).first())  # fmt: skip
    if same is not None:
        return same
    digest = hashlib.sha256(f"{unit.pk}|{today:%Y%m%d}|{body_vi}|{body_en}".encode()).hexdigest()[:24]
    try:
        from cancuoc.issuance import outbox
        from cancuoc.issuance.errors import IssuanceError
        from cancuoc.issuance.models import CitizenContact
    except ImportError:
        raise CampaignError(Code.OUTBOX_UNAVAILABLE) from None
    heads = list(Citizen.objects.filter(headed_households__unit__path__startswith=unit.path,
                                        date_of_death__isnull=True).distinct().order_by("pk"))  # fmt: skip
    if not heads:
        raise CampaignError(Code.NO_RECIPIENTS)
    contacts = {contact.citizen_id: contact for contact in CitizenContact.objects.filter(citizen__in=heads)}
    try:
        with transaction.atomic():
            announcement = Announcement.objects.create(unit=unit, unit_path=unit.path, body_vi=body_vi,
                                                       body_en=body_en, created_by=actor)  # fmt: skip
            for head in heads:
                contact = contacts.get(head.pk)
                outbox.queue(f"campaign-announcement-{digest}-{head.pk}",
                             recipient=contact.phone if contact else "", channel=contact.channel if contact else "",
                             body_vi=body_vi, body_en=body_en, citizen=head, actor=actor, unit_path=unit.path)  # fmt: skip
            announcement.queued = len(heads)
            announcement.save(update_fields=["queued"])
            events.announcement_sent(actor, announcement, queued=len(heads))
    except IssuanceError as error:
        raise CampaignError(
            Code.MESSAGE_REFUSED, detail_vi=error.message_vi, detail_en=error.message_en
        ) from None
    return announcement


def rebuild_counts(actor=None) -> dict[str, int]:
    """``cancuoc campaign rebuild``: every kept count recomputed from the records, audited."""
    with transaction.atomic():
        result = counting.rebuild()
        events.counts_rebuilt(actor, citizens=result["citizens"], units=result["units"])
    return result


def find_citizen(user, id_number: str, verb: Verb) -> Citizen:
    """The citizen with this number within the user's reach for ``verb``; NotFound otherwise."""
    require_permission(user, verb)
    number = str(id_number or "").strip()
    if not (len(number) == 12 and number.isdigit()):
        raise NotFound()
    citizen = Citizen.objects.select_related("permanent_unit", "temporary_unit", "current_unit").filter(
        id_number=number, merged_into__isnull=True).first()  # fmt: skip
    access_citizen(user, citizen, verb)
    return citizen
