"""Household actions: create a household with its head, move a citizen into a household (from another one or
into a first one), change the head. Each takes the acting user and a reason, runs in one transaction and
writes its audit entries in it.

Rows are locked in one fixed order, citizens by primary key and then households by primary key (the order of
the merge and the bulk writes too), so two officers moving members between the same households wait for each
other instead of deadlocking, and neither overwrites the other's change: each reads the rows it changes after
locking them, and whatever joins or leaves a household holds that household's lock.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound, Verb, in_area, require_permission
from cancuoc.rules.text import normalize_text
from cancuoc.units.models import Level
from cancuoc.units.selectors import unit_path

from .. import access, events
from ..errors import RegistryErrorCode, problem
from ..models import Citizen, Household, Relation
from ..validation import has_forbidden_characters
from . import RegistryError, _require_reason

# household and relation are also data of the permanent residence: access.changeable_fields gives them to
# that commune only, whatever the verb
HOUSEHOLD_CHANGE = Verb.HOUSEHOLD_CHANGE
MAX_NUMBER_ATTEMPTS = 20
NUMBER_DIGITS = 6
MAX_ADDRESS_LENGTH = 200


def household_number(unit, sequence: int) -> str:
    """"<commune code>-<sequence>", e.g. 12730-000042: distinct from the demo's and imports' 12-digit and
    free-form numbers, and at most 20 characters (the column)."""
    return f"{unit.code}-{sequence:0{NUMBER_DIGITS}d}"


def _next_sequence(unit) -> int:
    """One more than the highest number of this commune in our format (read through the unique index)."""
    prefix = f"{unit.code}-"
    pattern = re.compile(rf"{re.escape(prefix)}(\d{{{NUMBER_DIGITS}}})")
    numbers = Household.objects.filter(
        number__gte=prefix + "0" * NUMBER_DIGITS, number__lte=prefix + "9" * NUMBER_DIGITS
    ).order_by("-number").values_list("number", flat=True)[:20]
    for number in numbers:
        if match := pattern.fullmatch(number):
            return int(match.group(1)) + 1
    return 1


def _relation(value: str, field: str = "relation") -> str:
    if value not in Relation.values:
        raise RegistryError([problem(field, RegistryErrorCode.BAD_RELATION)])
    return value


def _require_change(acting_user) -> None:
    if acting_user is not None:
        require_permission(acting_user, HOUSEHOLD_CHANGE)


def _household_in_area(acting_user, household: Household) -> bool:
    if acting_user is None:
        return True
    path = unit_path(household.unit_id)
    return in_area(acting_user, Verb.HOUSEHOLD_READ, path) and in_area(acting_user, HOUSEHOLD_CHANGE, path)


def _check_citizen(acting_user, citizen: Citizen) -> None:
    """Outside the area: not found. Inside it only through a temporary or current residence: household and
    relation belong to the commune of permanent residence, as every other identity field."""
    if citizen.merged_into_id is not None:  # kept with its history, but no longer a person of any household
        raise RegistryError([problem("citizen", RegistryErrorCode.ALREADY_MERGED)])
    if acting_user is None:
        return
    if not access.citizen_in_area(acting_user, citizen, Verb.CITIZEN_READ):
        raise NotFound()
    if access.changeable_fields(acting_user, citizen) is not None:
        raise RegistryError([problem("household", RegistryErrorCode.FIELD_NOT_YOURS)])


def _lock_households(ids) -> dict[int, Household]:
    wanted = sorted({pk for pk in ids if pk is not None})
    return {h.pk: h for h in Household.objects.select_for_update().filter(pk__in=wanted).order_by("pk")}


def _lock_citizens(ids) -> dict[int, Citizen]:
    wanted = sorted({pk for pk in ids if pk is not None})
    return {c.pk: c for c in Citizen.objects.select_for_update().filter(pk__in=wanted).order_by("pk")}


def _has_other_members(household: Household, citizen: Citizen) -> bool:
    return household.members.exclude(pk=citizen.pk).exists()


def _number_of(households: dict[int, Household], pk: int | None) -> str:
    return households[pk].number if pk in households else ""


def _leave(source: Household | None, citizen: Citizen, target: Household) -> None:
    """A head may leave only a household that keeps no other member; it is then left without a head."""
    if source is None or source.head_id != citizen.pk or source.pk == target.pk:
        return
    if _has_other_members(source, citizen):
        raise RegistryError([problem("relation", RegistryErrorCode.HEAD_HAS_MEMBERS)])
    source.head = None
    source.save(update_fields=["head"])


def _join(citizen: Citizen, target: Household, relation: str, *, reason: str, acting_user,
          households: dict[int, Household]) -> None:  # fmt: skip
    """Put the locked ``citizen`` into the locked ``target`` with ``relation``; version and audit entry."""
    before = {"household_id": citizen.household_id, "relation_to_head": citizen.relation_to_head}
    source_number = _number_of(households, citizen.household_id)
    citizen.household = target
    citizen.relation_to_head = relation
    citizen.version += 1
    citizen.save(update_fields=["household", "relation_to_head", "version", "updated_at"])
    if relation == Relation.HEAD and target.head_id != citizen.pk:
        target.head = citizen
        target.save(update_fields=["head"])
    after = {"household_id": target.pk, "relation_to_head": relation}
    fields = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    events.household_member_moved(acting_user, citizen, reason=reason, fields=fields,
                                  moved={"from": source_number, "to": target.number})  # fmt: skip


@transaction.atomic
def create_household(acting_user, *, unit, address: str, head: Citizen, reason: str,
                     expected_version: int | None = None) -> Household:  # fmt: skip
    """A new household in ``unit`` (a commune in force) with a newly allocated number; ``head`` joins it as
    its head, leaving their household (which they may only do when nobody else remains in it).
    ``expected_version``: the head's version the form showed (a second click of the same form is stale)."""
    _require_reason(reason)
    _require_change(acting_user)
    address = normalize_text(address)
    problems = []
    if not address or len(address) > MAX_ADDRESS_LENGTH or has_forbidden_characters(address):
        problems.append(problem("address", RegistryErrorCode.BAD_ADDRESS))
    if unit is None or unit.level != Level.COMMUNE or not unit.is_in_force(timezone.localdate()):
        problems.append(problem("unit", RegistryErrorCode.NOT_A_COMMUNE))
    elif acting_user is not None and not in_area(acting_user, HOUSEHOLD_CHANGE, unit.path):
        problems.append(problem("unit", RegistryErrorCode.OUTSIDE_AREA))
    if problems:
        raise RegistryError(problems)
    locked = _lock_citizens([head.pk]).get(head.pk)
    if locked is None:
        raise NotFound()
    _check_citizen(acting_user, locked)
    if expected_version is not None and locked.version != expected_version:
        raise RegistryError([problem("version", RegistryErrorCode.STALE)])
    households = _lock_households([locked.household_id])
    household = _insert_numbered(unit, address)
    _leave(households.get(locked.household_id), locked, household)
    events.household_created(acting_user, household, reason=reason, after={
        "number": household.number, "unit_id": household.unit_id, "address": household.address,
        "head": locked.id_number,
    })  # fmt: skip
    _join(locked, household, Relation.HEAD, reason=reason, acting_user=acting_user, households=households)
    return household


def _insert_numbered(unit, address: str) -> Household:
    """The unique index decides: a number taken meanwhile (another officer, an import) is retried with the
    next one, never checked beforehand."""
    sequence = _next_sequence(unit)
    for _attempt in range(MAX_NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                return Household.objects.create(number=household_number(unit, sequence), unit=unit, address=address)
        except IntegrityError:
            sequence = max(_next_sequence(unit), sequence + 1)
    raise RegistryError([problem("number", RegistryErrorCode.HOUSEHOLD_NUMBER_EXHAUSTED)])


@transaction.atomic
def move_member(acting_user, citizen: Citizen, household: Household, *, relation: str, reason: str,
                expected_version: int | None = None) -> Citizen:  # fmt: skip
    """Move ``citizen`` into ``household`` (from another household, or into a first one) with ``relation``;
    within the same household, only the relation changes. The head of a household that still has other
    members must hand over the headship first (``change_head``)."""
    _require_reason(reason)
    relation = _relation(relation)
    _require_change(acting_user)
    locked = _lock_citizens([citizen.pk]).get(citizen.pk)
    if locked is None:
        raise NotFound()
    source_id = locked.household_id
    households = _lock_households([source_id, household.pk])
    target = households.get(household.pk)
    if target is None or not _household_in_area(acting_user, target):
        raise NotFound()
    _check_citizen(acting_user, locked)
    if expected_version is not None and locked.version != expected_version:
        raise RegistryError([problem("version", RegistryErrorCode.STALE)])
    if locked.household_id == target.pk and locked.relation_to_head == relation:
        raise RegistryError([problem("relation", RegistryErrorCode.ALREADY_IN_HOUSEHOLD)])
    if target.head_id == locked.pk:  # the head stays head until change_head names another
        raise RegistryError([problem("relation", RegistryErrorCode.HEAD_HAS_MEMBERS if _has_other_members(target, locked)
                                     else RegistryErrorCode.ALREADY_HEAD)])  # fmt: skip
    if relation == Relation.HEAD and target.head_id is not None:
        raise RegistryError([problem("relation", RegistryErrorCode.HEAD_EXISTS)])
    if relation != Relation.HEAD and target.head_id is None and not _has_other_members(target, locked):
        raise RegistryError([problem("relation", RegistryErrorCode.HEAD_REQUIRED)])
    _leave(households.get(source_id), locked, target)
    _join(locked, target, relation, reason=reason, acting_user=acting_user, households=households)
    return locked


@transaction.atomic
def change_head(acting_user, household: Household, new_head: Citizen, *, reason: str, old_head_relation: str,
                expected_head: str | None = None) -> Household:  # fmt: skip
    """``new_head`` (a member) becomes the head; the old head stays a member with ``old_head_relation``.
    ``expected_head``: the ID number of the head the officer saw ("" for none); another head now is stale."""
    _require_reason(reason)
    old_head_relation = _relation(old_head_relation, "old_head_relation")
    if old_head_relation == Relation.HEAD:
        raise RegistryError([problem("old_head_relation", RegistryErrorCode.BAD_RELATION)])
    _require_change(acting_user)
    # the head as read now: its row is locked (citizens first), then the household, which must still name it
    read = Household.objects.filter(pk=household.pk).values_list("head_id", flat=True)
    if not read:
        raise NotFound()
    old_head_id = read[0]
    people = _lock_citizens([old_head_id, new_head.pk])
    locked_household = _lock_households([household.pk]).get(household.pk)
    if locked_household is None or not _household_in_area(acting_user, locked_household):
        raise NotFound()
    locked = people.get(new_head.pk)
    if locked is None:
        raise NotFound()
    _check_citizen(acting_user, locked)
    old_head = people.get(old_head_id)
    changed_since = locked_household.head_id != old_head_id  # another change of head in between
    if changed_since or expected_head is not None and expected_head != (old_head.id_number if old_head else ""):
        raise RegistryError([problem("version", RegistryErrorCode.STALE)])
    if locked.household_id != locked_household.pk:
        raise RegistryError([problem("new_head", RegistryErrorCode.NOT_A_MEMBER)])
    if old_head_id == locked.pk:
        raise RegistryError([problem("new_head", RegistryErrorCode.ALREADY_HEAD)])
    changed = []
    if old_head is not None and old_head.household_id == locked_household.pk:
        changed.append((old_head, old_head_relation))
    changed.append((locked, Relation.HEAD))
    members = []
    for person, relation in changed:
        fields = {"relation_to_head": [person.relation_to_head, relation]}
        person.relation_to_head = relation
        person.version += 1
        person.save(update_fields=["relation_to_head", "version", "updated_at"])
        members.append((person, fields))
    locked_household.head = locked
    locked_household.save(update_fields=["head"])
    events.household_head_changed(
        acting_user, locked_household, reason=reason, members=members,
        before={"head": old_head.id_number if old_head else ""},
        after={"head": locked.id_number, "old_head_relation": old_head_relation if old_head else ""},
    )  # fmt: skip
    return locked_household
