"""Corrections asked for by one officer and applied when a supervisor approves them (maker-checker).
The request is checked with the same field rules as a direct change, so that approving it cannot fail on
the data; it is applied through ``update_citizen`` by the approving supervisor, with both reasons."""

from __future__ import annotations

import json

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound, Verb, require_permission
from cancuoc.protection import crypto

from .. import access, events
from ..errors import RegistryErrorCode, problem
from ..models import ChangeRequest, Citizen
from ..validation import clean_citizen
from . import RegistryError, _require_reason, update_citizen

# sent after the decision is committed, with ``citizen_id``: whatever waited for the correction goes on
change_decided = Signal()


def _context(change: ChangeRequest) -> str:
    return f"registry_changerequest.values:{change.citizen_id}"


def requested_values(change: ChangeRequest) -> dict:
    return json.loads(crypto.open_sealed(change.values, _context(change)))


@transaction.atomic
def request_change(acting_user, citizen: Citizen, raw: dict, *, reason: str) -> ChangeRequest:
    _require_reason(reason)
    require_permission(acting_user, Verb.CITIZEN_READ)
    if not access.citizen_in_area(acting_user, citizen, Verb.CITIZEN_READ):
        raise NotFound()
    if any(key in raw for key in ("id_number", "household_number", "relation_to_head")):
        raise RegistryError([problem(key, RegistryErrorCode.ID_IMMUTABLE if key == "id_number"
                                     else RegistryErrorCode.HOUSEHOLD_BY_ITS_ACTIONS)
                             for key in raw if key in ("id_number", "household_number", "relation_to_head")])  # fmt: skip
    cleaned = clean_citizen(raw, today=timezone.localdate(), partial=True,
                            current={"birth_date": citizen.birth_date, "date_of_death": citizen.date_of_death})  # fmt: skip
    if not cleaned.ok:
        raise RegistryError(cleaned.problems)
    if not raw:
        raise RegistryError([problem("reason", RegistryErrorCode.NOTHING_TO_CHANGE)])
    change = ChangeRequest(citizen=citizen, fields=sorted(raw), reason=reason, requested_by=acting_user)
    change.values = crypto.seal(json.dumps(raw, ensure_ascii=False, default=str), _context(change))
    change.save()
    events.change_requested(acting_user, change)
    return change


@transaction.atomic
def decide_change(acting_user, change: ChangeRequest, *, approve: bool, reason: str) -> ChangeRequest:
    _require_reason(reason)
    require_permission(acting_user, Verb.CHANGE_DECIDE)
    change = ChangeRequest.objects.select_for_update().select_related("citizen").get(pk=change.pk)
    if not access.citizen_in_area(acting_user, change.citizen, Verb.CHANGE_DECIDE):
        raise NotFound()
    if change.status != ChangeRequest.Status.PENDING:
        raise RegistryError([problem("status", RegistryErrorCode.CHANGE_NOT_PENDING)])
    if change.requested_by_id == acting_user.pk:
        raise RegistryError([problem("decided_by", RegistryErrorCode.OWN_CHANGE)])
    if approve:
        update_citizen(acting_user, change.citizen, requested_values(change),
                       reason=f"{change.reason} — {reason}"[:300])  # fmt: skip
    change.status = ChangeRequest.Status.APPROVED if approve else ChangeRequest.Status.REJECTED
    change.decided_by, change.decided_at, change.decision_reason = acting_user, timezone.now(), reason
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    events.change_decided(acting_user, change)
    citizen_id = change.citizen_id
    transaction.on_commit(lambda: change_decided.send(sender=ChangeRequest, citizen_id=citizen_id))
    return change


def pending_for(citizen_id: int) -> bool:
    return ChangeRequest.objects.filter(citizen_id=citizen_id, status=ChangeRequest.Status.PENDING).exists()
