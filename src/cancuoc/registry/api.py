from datetime import date, datetime

from ninja import Router, Schema, Status
from ninja.errors import HttpError

from cancuoc.accounts.permissions import Verb, require_permission
from cancuoc.rules import idnumber
from cancuoc.units.access import access_unit_by_id

from . import actions, events, quality, selectors
from .access import access_citizen_by_id_number, access_household_by_id
from .models import Citizen

router = Router(tags=["citizens"])


class CitizenSummary(Schema):
    id_number: str
    full_name: str
    birth_date: date
    sex: str
    permanent_unit_id: int | None


class CitizenOut(CitizenSummary):
    family_name: str
    middle_name: str
    given_name: str
    other_names: str
    birth_date_precision: str
    ethnicity: str
    religion: str
    nationality: str
    blood_type: str
    marital_status: str
    permanent_address: str
    temporary_unit_id: int | None
    temporary_address: str
    current_unit_id: int | None
    current_address: str
    household_id: int | None
    relation_to_head: str
    father_name: str
    mother_name: str
    spouse_name: str
    old_id_number: str
    date_of_death: date | None
    version: int
    quality_flags: list[str]

    @staticmethod
    def resolve_quality_flags(obj: Citizen) -> list[str]:
        return [flag.code for flag in obj.quality_flags.all()]


class SearchOut(Schema):
    results: list[CitizenSummary]
    truncated: bool  # more matches than this page
    offset: int
    next_offset: int | None  # pass as ``offset`` for the next page; null on the last reachable page


class CitizenChange(Schema):
    reason: str
    expected_version: int | None = None
    family_name: str | None = None
    middle_name: str | None = None
    given_name: str | None = None
    other_names: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    religion: str | None = None
    permanent_unit_code: str | None = None
    permanent_address: str | None = None
    temporary_unit_code: str | None = None
    temporary_address: str | None = None
    current_unit_code: str | None = None
    current_address: str | None = None
    old_id_number: str | None = None
    date_of_death: str | None = None


class NumberWarning(Schema):
    code: str
    message_vi: str
    message_en: str


class CitizenCreated(CitizenOut):
    # where the number's prefix contradicts the record (sex, birth year, place): accepted, to be checked
    warnings: list[NumberWarning]

    @staticmethod
    def resolve_warnings(obj: Citizen) -> list[dict]:
        found = idnumber.contradictions(obj.id_number, birth_date=obj.birth_date, sex=obj.sex)
        return [{"code": c.code, "message_vi": c.message_vi, "message_en": c.message_en} for c in found]


class CitizenCreate(Schema):
    reason: str
    id_number: str
    family_name: str = ""
    middle_name: str = ""
    given_name: str
    birth_date: str
    sex: str
    ethnicity: str = ""
    religion: str = ""
    nationality: str = "VNM"
    permanent_unit_code: str
    permanent_address: str = ""


class HistoryEntry(Schema):
    sequence: int
    at: datetime
    actor_username: str
    action: str
    reason: str
    changes: dict


class HouseholdOut(Schema):
    id: int
    number: str
    address: str
    unit_id: int
    members: list[CitizenSummary]


@router.get("/citizens", response=SearchOut, summary="Search by ID number or name")
def search(request, q: str = "", birth_year: int | None = None, unit_id: int | None = None, limit: int = 50,
           offset: int = 0):  # fmt: skip
    if not 1 <= limit <= 200:
        raise HttpError(422, "limit must be between 1 and 200 / limit phải từ 1 đến 200")
    if not 0 <= offset <= selectors.MAX_OFFSET:
        raise HttpError(422, f"offset phải từ 0 đến {selectors.MAX_OFFSET} / offset must be between 0 and "
                             f"{selectors.MAX_OFFSET}")  # fmt: skip
    if birth_year is not None and not 1850 <= birth_year <= 2200:
        raise HttpError(422, "birth_year out of range / năm sinh không hợp lệ")
    unit = None
    if unit_id is not None:
        unit = access_unit_by_id(request.user, unit_id)
    found = selectors.search_citizens(request.user, q[:140], birth_year=birth_year, unit=unit, limit=limit,
                                      offset=offset)  # fmt: skip
    events.citizens_searched(request.user, query=q, birth_year=birth_year,
                             returned=[c.id_number for c in found.citizens])  # fmt: skip
    return {"results": found.citizens, "truncated": found.truncated, "offset": found.offset,
            "next_offset": found.next_offset}  # fmt: skip


@router.get("/citizens/{id_number}", response=CitizenOut)
def citizen_detail(request, id_number: str):
    citizen = access_citizen_by_id_number(request.user, id_number, where="api")
    actions.record_read(request.user, citizen, what="api")
    return citizen


@router.get("/citizens/{id_number}/history", response=list[HistoryEntry])
def citizen_history(request, id_number: str):
    from cancuoc.audit.selectors import history_of
    from cancuoc.protection.snapshots import revealed_history

    citizen = access_citizen_by_id_number(request.user, id_number, where="api history")
    events.citizen_history_viewed(request.user, citizen, where="api")
    return revealed_history(history_of(("citizen", "id_number"), citizen.id_number))


@router.patch("/citizens/{id_number}", response=CitizenOut)
def citizen_change(request, id_number: str, change: CitizenChange):
    citizen = access_citizen_by_id_number(request.user, id_number, Verb.CITIZEN_CHANGE_RESIDENCE, where="api change")
    values = change.dict(exclude_unset=True, exclude={"reason", "expected_version"})
    return actions.update_citizen(
        request.user, citizen, values, reason=change.reason, expected_version=change.expected_version
    )


@router.post("/citizens", response={201: CitizenCreated})
def citizen_create(request, payload: CitizenCreate):
    values = payload.dict(exclude={"reason"})
    citizen = actions.create_citizen(request.user, values, reason=payload.reason)
    return Status(201, citizen)


@router.get("/households/{household_id}", response=HouseholdOut)
def household_detail(request, household_id: int):
    household = access_household_by_id(request.user, household_id)
    members = selectors.get_household_members(household, user=request.user)
    events.household_viewed(request.user, household, where="api", members=[m.id_number for m in members])
    return {
        "id": household.pk, "number": household.number, "address": household.address,
        "unit_id": household.unit_id, "members": members,
    }  # fmt: skip


# --- household writes (issue 8 §3): the actions of actions.households -------------------------------------


class HouseholdCreate(Schema):
    reason: str
    unit_code: str  # today's commune (an old code is read to its successor, as everywhere)
    address: str
    head_id_number: str
    expected_version: int | None = None  # the head's version, as read


class HouseholdMemberMove(Schema):
    reason: str
    id_number: str
    relation: str  # head, spouse, child, parent, grandchild, sibling, other
    expected_version: int | None = None


class HouseholdHeadChange(Schema):
    reason: str
    id_number: str  # the new head, a member
    old_head_relation: str
    expected_head_id_number: str | None = None  # the head as read ("" for none); another one now: stale


class HouseholdMember(CitizenSummary):
    relation_to_head: str
    version: int


class HouseholdWritten(Schema):
    id: int
    number: str
    address: str
    unit_id: int
    head_id_number: str | None
    members: list[HouseholdMember]


def _household_written(household, user) -> dict:
    from cancuoc.web.templatetags.cancuoc_words import head_first

    members = head_first(selectors.get_household_members(household, user=user))
    head = next((m.id_number for m in members if m.pk == household.head_id), None)
    return {"id": household.pk, "number": household.number, "address": household.address,
            "unit_id": household.unit_id, "head_id_number": head, "members": members}  # fmt: skip


@router.post("/households", response={201: HouseholdWritten}, summary="Create a household with its head")
def household_create(request, payload: HouseholdCreate):
    from cancuoc.units.models import Level

    from .actions import households as household_actions

    require_permission(request.user, household_actions.HOUSEHOLD_CHANGE)
    unit = actions.resolve_unit(payload.unit_code[:10], Level.COMMUNE, "unit_code")
    head = access_citizen_by_id_number(request.user, payload.head_id_number[:12], where="api household")
    household = household_actions.create_household(request.user, unit=unit, address=payload.address, head=head,
                                                   reason=payload.reason, expected_version=payload.expected_version)  # fmt: skip
    return Status(201, _household_written(household, request.user))


@router.post("/households/{household_id}/members", response=HouseholdWritten,
             summary="Move a citizen into this household (from another one, or into a first one)")  # fmt: skip
def household_move_member(request, household_id: int, payload: HouseholdMemberMove):
    from .actions import households as household_actions

    require_permission(request.user, household_actions.HOUSEHOLD_CHANGE)
    household = access_household_by_id(request.user, household_id)
    citizen = access_citizen_by_id_number(request.user, payload.id_number[:12], where="api household")
    household_actions.move_member(request.user, citizen, household, relation=payload.relation,
                                  reason=payload.reason, expected_version=payload.expected_version)  # fmt: skip
    return _household_written(access_household_by_id(request.user, household_id), request.user)


@router.post("/households/{household_id}/head", response=HouseholdWritten, summary="Change the head")
def household_change_head(request, household_id: int, payload: HouseholdHeadChange):
    from .actions import households as household_actions

    require_permission(request.user, household_actions.HOUSEHOLD_CHANGE)
    household = access_household_by_id(request.user, household_id)
    citizen = access_citizen_by_id_number(request.user, payload.id_number[:12], where="api household")
    changed = household_actions.change_head(request.user, household, citizen, reason=payload.reason,
                                            old_head_relation=payload.old_head_relation,
                                            expected_head=payload.expected_head_id_number)  # fmt: skip
    return _household_written(changed, request.user)


@router.get("/quality", summary="Data-quality flag counts in the user's area, or in one unit of it")
def quality_counts(request, unit_id: int | None = None):
    require_permission(request.user, Verb.QUALITY_READ)
    unit = access_unit_by_id(request.user, unit_id) if unit_id is not None else None
    events.quality_counts_viewed(request.user, unit=unit)
    citizens = selectors.citizens_in_unit(request.user, unit) if unit else selectors.scoped(request.user)
    return {"citizens": citizens.count(), "flags": quality.flag_counts(citizens)}
