"""The pages an officer needs to write the registry: register a citizen, register a birth (a new number),
cancel a number, change a residence. Thin: each reads its form, calls a registry action (which checks the
role, the area and the reason, and audits in its transaction) and shows every refusal beside its field,
with what the officer typed kept."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cancuoc.accounts.permissions import NotFound, PermissionDenied, Verb, has_permission, in_area
from cancuoc.rules import idnumber
from cancuoc.rules.text import fold
from cancuoc.units.models import AdministrativeUnit, Level, Structure
from cancuoc.units.selectors import OLD_STRUCTURE_PREFIX, parse_unit_code, search_units
from cancuoc.web.language import problem_text

from . import actions, events
from .access import access_citizen_by_id_number, changeable_fields, citizen_in_area
from .errors import RegistryErrorCode, problem
from .models import AllocatedIdNumber, Citizen
from .validation import Problem, clean_citizen, has_forbidden_characters, parse_date

# The fields of the register form, in the order an officer copies them from the paper form.
REGISTER_FIELDS = [
    "family_name", "middle_name", "given_name", "other_names", "birth_date", "sex", "id_number", "ethnicity",
    "religion", "birth_registration_unit_code", "origin_unit_code", "permanent_unit_code", "permanent_address",
    "temporary_unit_code", "temporary_address", "current_unit_code", "current_address", "father_name",
    "mother_name", "old_id_number",
]  # fmt: skip
BIRTH_FIELDS = [
    "family_name", "middle_name", "given_name", "birth_date", "sex", "ethnicity", "religion",
    "birth_registration_unit_code", "permanent_unit_code", "permanent_address", "father_name", "mother_name",
]  # fmt: skip
# unit fields → does the type-ahead offer only today's communes (residences) or any unit (places of birth
# registration and origin, often written with a unit that has since ceased)?
UNIT_FIELDS = {
    "birth_registration_unit_code": False, "origin_unit_code": False, "permanent_unit_code": True,
    "temporary_unit_code": True, "current_unit_code": True,
}  # fmt: skip
RESIDENCES = ("permanent", "temporary", "current")
UNIT_CHOICES = 8
MAX_REASON = 300  # the audit entry's reason column
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
# How long a second click of the same form waits for the first to finish before answering
_PENDING_WAIT_SECONDS = 5.0


# --- units: the type-ahead and the codes the actions take --------------------------------------------------


def unit_code_for_form(unit: AdministrativeUnit | None) -> str:
    """The code the actions read back to exactly this unit: a pre-2025 unit as "cũ:<code>" (codes were
    reused in 2025)."""
    if unit is None:
        return ""
    return f"{OLD_STRUCTURE_PREFIX}{unit.code}" if unit.structure == Structure.PRE_2025 else unit.code


def _unit_for_form_code(code: str) -> AdministrativeUnit | None:
    """The unit a code posted by the form names, to show it again as the chosen unit (None if unknown)."""
    old, bare = parse_unit_code(code)
    if not (bare.isascii() and bare.isdigit()):  # codes are digits: anything else names no unit (and a NUL
        return None                             # byte would not even reach PostgreSQL)
    units = AdministrativeUnit.objects.select_related("parent__parent").filter(code=bare[:10])
    units = units.filter(structure=Structure.PRE_2025 if old else Structure.Y2025)
    return units.first()


@dataclass(frozen=True)
class UnitChoice:
    code: str
    label: str
    ceased: bool


def _choice(unit: AdministrativeUnit) -> UnitChoice:
    names = [unit.name] + [u.name for u in (unit.parent, unit.parent.parent if unit.parent else None) if u]
    return UnitChoice(unit_code_for_form(unit), " · ".join(names), unit.valid_to is not None)


def _unit_choices(query: str, *, communes_in_force: bool) -> list[UnitChoice]:
    if communes_in_force:
        units = search_units(query, limit=UNIT_CHOICES * 6, in_force_on=timezone.localdate())
        units = [unit for unit in units if unit.level == Level.COMMUNE]
    else:
        units = search_units(query, limit=UNIT_CHOICES)
    return [_choice(unit) for unit in units[:UNIT_CHOICES]]


@login_required
@require_GET
def unit_choices(request):
    """The type-ahead of a unit field: radio buttons under the search box, the first one chosen, so the
    officer types, presses Tab and is on the choice (arrow keys change it)."""
    if not has_permission(request.user, Verb.UNIT_READ):
        raise PageForbidden
    field = request.GET.get("field", "")
    if field not in UNIT_FIELDS:
        raise Http404
    query = request.GET.get(f"{field}_q", "")[:100]
    choices = _unit_choices(query, communes_in_force=UNIT_FIELDS[field]) if query.strip() else []
    return render(request, "registry/register_unit_choices.html",
                  {"field": field, "choices": choices, "chosen": choices[0].code if choices else "",
                   "query": query})  # fmt: skip


def _unit_field(name: str, label: str, typed: dict, problems: dict, *, hint: str = "", known=None) -> dict:
    """What the unit picker of one field shows: the search text typed and the unit chosen (``known``: the
    unit already read, when the code is its own)."""
    code = typed.get(name, "")
    unit = known if known is not None and unit_code_for_form(known) == code else _unit_for_form_code(code)
    choices = [_choice(unit)] if unit else ([UnitChoice(code, code, False)] if code else [])
    return {"name": name, "label": label, "query": typed.get(f"{name}_q", ""), "choices": choices,
            "chosen": code, "problems": problems.get(name, []), "hint": hint}  # fmt: skip


# --- the number check while typing -----------------------------------------------------------------------


@dataclass(frozen=True)
class NumberWarning:
    code: str
    message: str


def number_warnings(number: str, *, birth_date_text: str, sex: str) -> list[NumberWarning]:
    """Where a 12-digit number's prefix contradicts the sex or birth year typed: a warning, never a refusal.
    Pure (no query), so it says nothing about whether the number exists."""
    if not idnumber.is_valid(number):
        return []
    try:
        birth = parse_date(birth_date_text)
    except ValueError:
        birth = None
    sex_code = {"M": "M", "F": "F"}.get(sex)
    return [NumberWarning(c.code, problem_text(c)) for c in idnumber.contradictions(number, birth_date=birth, sex=sex_code)]


@login_required
@require_GET
def check_number(request):
    """The warning beside the number field, asked by htmx as the officer types the number, the birth date or
    the sex."""
    if not has_permission(request.user, Verb.CITIZEN_CREATE):
        raise PageForbidden
    number = request.GET.get("id_number", "").strip()[:40]
    warnings = number_warnings(number, birth_date_text=request.GET.get("birth_date", "")[:20],
                               sex=request.GET.get("sex", "")[:2])  # fmt: skip
    digits = len(number) if number.isdigit() and number.isascii() else None
    return render(request, "registry/register_number_check.html",
                  {"warnings": warnings, "number": number, "digits": digits})  # fmt: skip


# --- one form, one record: a second click of the same form does not create a second record ----------------


def _token_key(request, token: str) -> str:
    return f"cancuoc:register-form:{request.user.pk}:{token}"


def _claim_submission(request, token: str) -> tuple[bool, str]:
    """(this request may go on, the number created by an earlier send of the same form or "")."""
    if not _TOKEN.match(token):
        return True, ""
    key = _token_key(request, token)
    deadline = time.monotonic() + _PENDING_WAIT_SECONDS
    while True:
        if cache.add(key, "", timeout=3600):
            return True, ""
        done = cache.get(key)  # "" while the first send runs; released (None) when it was refused
        if done or (done == "" and time.monotonic() > deadline):
            return False, done or ""
        time.sleep(0.1)


def _finish_submission(request, token: str, id_number: str) -> None:
    if _TOKEN.match(token):
        cache.set(_token_key(request, token), id_number, timeout=3600)


def _release_submission(request, token: str) -> None:
    if _TOKEN.match(token):
        cache.delete(_token_key(request, token))


def reason_problems(reason: str) -> list[Problem]:
    """A reason is required, and is text: control characters are refused as in every other field (the audit
    log keeps the reason)."""
    if not reason.strip():
        return [problem("reason", RegistryErrorCode.REASON_REQUIRED)]
    if len(reason) > MAX_REASON:
        return [Problem("reason", "too_long", f"Quá dài: {len(reason)} ký tự, tối đa {MAX_REASON}",
                        f"Too long: {len(reason)} characters, at most {MAX_REASON}")]  # fmt: skip
    if has_forbidden_characters(reason):
        return [Problem("reason", "control_characters", "Có ký tự điều khiển hoặc ký tự không hợp lệ",
                        "Contains control characters or invalid characters")]  # fmt: skip
    return []


def _check_all(raw: dict, reason: str, found: list | None = None) -> None:
    """Every problem of the form at once (the action stops at the first kind: the reason, then the fields,
    then the area), so the officer corrects the form in one go."""
    found = [*(found or []), *reason_problems(reason)]
    found += clean_citizen(raw, today=timezone.localdate()).problems
    if found:
        raise actions.RegistryError(found)


def _problems_by_field(problems) -> dict[str, list[str]]:
    by_field: dict[str, list[str]] = {}
    for found in problems:
        by_field.setdefault(found.field, []).append(problem_text(found))
    return by_field


def _typed(request, names) -> dict:
    typed = {}
    for name in names:
        typed[name] = request.POST.get(name, "").strip()  # never cut: too long is refused by its check
        if name in UNIT_FIELDS:
            typed[f"{name}_q"] = request.POST.get(f"{name}_q", "").strip()[:100]
    typed["reason"] = request.POST.get("reason", "").strip()
    return typed


def _already_sent(request, id_number: str):
    if id_number:
        messages.info(request, _("This form was already sent: the record was created once."))
        return redirect("citizen-detail", id_number=id_number)
    messages.error(request, _("This form is already being sent. Wait a moment, then look the citizen up."))
    return redirect("citizen-search")


# --- register a citizen ----------------------------------------------------------------------------------


def _first_problem(problems: dict, order: list[str]) -> str:
    """The first field of the form (in its order) with a problem: the cursor goes there after a refusal."""
    return next((name for name in order if problems.get(name)), "")


def _register_context(typed: dict, problems: dict, *, token: str) -> dict:
    units = {
        "birth_registration_unit_code": _unit_field("birth_registration_unit_code", _("Place of birth registration"),
                                                    typed, problems),
        "origin_unit_code": _unit_field("origin_unit_code", _("Place of origin"), typed, problems),
        "permanent_unit_code": _unit_field("permanent_unit_code", _("Permanent residence (commune)"), typed, problems),
        "temporary_unit_code": _unit_field("temporary_unit_code", _("Temporary residence (commune)"), typed, problems),
        "current_unit_code": _unit_field("current_unit_code", _("Current whereabouts (commune)"), typed, problems),
    }  # fmt: skip
    shown = set(REGISTER_FIELDS) | {"reason"}
    return {"typed": typed, "problems": problems, "units": units, "token": token,
            "first_problem": _first_problem(problems, [*REGISTER_FIELDS, "reason"]),
            "other_problems": [m for field, found in problems.items() if field not in shown for m in found],
            "warnings": number_warnings(typed.get("id_number", ""), birth_date_text=typed.get("birth_date", ""),
                                        sex=typed.get("sex", ""))}  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def register_citizen(request):
    if not has_permission(request.user, Verb.CITIZEN_CREATE):
        raise PageForbidden
    if request.method == "GET":
        return render(request, "registry/register.html", _register_context({}, {}, token=uuid.uuid4().hex))
    typed = _typed(request, REGISTER_FIELDS)
    token = request.POST.get("token", "")[:40]
    go_on, created = _claim_submission(request, token)
    if not go_on:
        return _already_sent(request, created)
    raw = {name: typed[name] for name in REGISTER_FIELDS}
    try:
        _check_all(raw, typed["reason"])
        citizen = actions.create_citizen(request.user, raw, reason=typed["reason"], where="register page")
    except actions.RegistryError as error:
        _release_submission(request, token)
        context = _register_context(typed, _problems_by_field(error.problems), token=token)
        return render(request, "registry/register.html", context, status=422)
    except PermissionDenied as error:
        _release_submission(request, token)
        raise PageForbidden from error
    _finish_submission(request, token, citizen.id_number)
    messages.success(request, _("Citizen registered: %(name)s, %(number)s.")
                     % {"name": citizen.full_name, "number": citizen.id_number})  # fmt: skip
    for warning in number_warnings(citizen.id_number, birth_date_text=citizen.birth_date.strftime("%d/%m/%Y"),
                                   sex=citizen.sex):  # fmt: skip
        messages.warning(request, _("Check the number: %(warning)s") % {"warning": warning.message})
    return redirect("citizen-detail", id_number=citizen.id_number)


# --- register a birth: a new number ----------------------------------------------------------------------


def _default_place_code(user) -> str:
    """The number's place code for the officer's province, when today's province kept a pre-2025 code."""
    unit = getattr(user, "unit", None)
    province = AdministrativeUnit.objects.filter(pk=int(unit.path.strip("/").split("/")[0])).first() if unit else None
    code = province.code.zfill(3) if province else ""
    return code if code in idnumber.PROVINCES_PRE_2025 else ""


def _without_type_word(name: str) -> str:
    """"Tỉnh Bắc Ninh" → "bac ninh", "Thành phố Hà Nội" → "ha noi": provinces in the order of their names."""
    return fold(name).removeprefix("thanh pho ").removeprefix("tinh ")


def _birth_context(request, typed: dict, problems: dict, *, token: str) -> dict:
    units = {
        "birth_registration_unit_code": _unit_field("birth_registration_unit_code", _("Place of birth registration"),
                                                    typed, problems),
        "permanent_unit_code": _unit_field("permanent_unit_code", _("Permanent residence (commune)"), typed, problems),
    }  # fmt: skip
    shown = set(BIRTH_FIELDS) | {"reason", "place_code"}
    return {"typed": typed, "problems": problems, "units": units, "token": token,
            "first_problem": _first_problem(problems, [*BIRTH_FIELDS, "reason"]),
            "places": sorted(idnumber.PROVINCES_PRE_2025.items(), key=lambda item: _without_type_word(item[1])),
            "place_code": typed.get("place_code") or _default_place_code(request.user),
            "other_problems": [m for field, found in problems.items() if field not in shown for m in found]}  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def register_birth(request):
    if not (has_permission(request.user, Verb.CITIZEN_CREATE) and has_permission(request.user, Verb.ID_NUMBER_ALLOCATE)):
        raise PageForbidden
    if request.method == "GET":
        return render(request, "registry/register_birth.html", _birth_context(request, {}, {}, token=uuid.uuid4().hex))
    typed = _typed(request, BIRTH_FIELDS)
    typed["place_code"] = request.POST.get("place_code", "").strip()[:3]
    token = request.POST.get("token", "")[:40]
    go_on, created = _claim_submission(request, token)
    if not go_on:
        return _already_sent(request, created)
    raw = {name: typed[name] for name in BIRTH_FIELDS}
    try:
        place = [] if typed["place_code"] in idnumber.PROVINCES_PRE_2025 else [
            problem("place_code", RegistryErrorCode.UNKNOWN_PLACE_CODE)]
        _check_all({**raw, "id_number": "000000000000"}, typed["reason"], place)
        citizen = actions.register_birth(request.user, raw, place_code=typed["place_code"], reason=typed["reason"])
    except actions.RegistryError as error:
        _release_submission(request, token)
        context = _birth_context(request, typed, _problems_by_field(error.problems), token=token)
        return render(request, "registry/register_birth.html", context, status=422)
    except ValueError:  # a birth year the number cannot encode (before 1900)
        _release_submission(request, token)
        found = [problem("birth_date", RegistryErrorCode.BIRTH_YEAR_NOT_ENCODABLE)]
        context = _birth_context(request, typed, _problems_by_field(found), token=token)
        return render(request, "registry/register_birth.html", context, status=422)
    except PermissionDenied as error:
        _release_submission(request, token)
        raise PageForbidden from error
    _finish_submission(request, token, citizen.id_number)
    messages.success(request, _("Birth registered. New personal ID number: %(number)s")
                     % {"number": citizen.id_number}, extra_tags="new-number")  # fmt: skip
    return redirect("citizen-detail", id_number=citizen.id_number)


# --- cancel a number -------------------------------------------------------------------------------------


def _cancellable(user, number: str) -> Citizen | bool:
    """Whether this user may cancel this number: active, and held by a record in the user's area or, when no
    record holds it, given out by an officer of the area. The holder (or True). An unknown number and one
    outside the area get the same answer (False), and the probe is audited."""
    allowed = False
    holder = None
    if idnumber.is_valid(number):
        allocation = (AllocatedIdNumber.objects.filter(number=number, status=AllocatedIdNumber.Status.ACTIVE)
                      .select_related("allocated_by__unit").first())  # fmt: skip
        if allocation is not None:
            holder = Citizen.objects.filter(id_number=number).first()
            if holder is not None:
                allowed = citizen_in_area(user, holder, Verb.ID_NUMBER_CANCEL)
            else:
                unit = allocation.allocated_by.unit if allocation.allocated_by else None
                allowed = in_area(user, Verb.ID_NUMBER_CANCEL, unit.path if unit else None)
    if not allowed:
        printable = "".join(char if char.isprintable() else "?" for char in number)
        events.citizen_lookup_refused(user, id_number=printable, where="cancel number page")
        return False
    return holder or True


@login_required
@require_http_methods(["GET", "POST"])
def cancel_number(request):
    if not has_permission(request.user, Verb.ID_NUMBER_CANCEL):
        raise PageForbidden
    number = (request.POST.get("id_number") or request.GET.get("number", "")).strip()[:40]
    reason = request.POST.get("reason", "").strip()
    context = {"number": number, "reason": reason, "problems": {}}
    if request.method == "GET":
        return render(request, "registry/cancel.html", context)
    problems = reason_problems(reason)
    holder = _cancellable(request.user, number)
    if not holder:
        problems.append(problem("id_number", RegistryErrorCode.NOT_ACTIVE))
    if problems:
        context["problems"] = _problems_by_field(problems)
        return render(request, "registry/cancel.html", context, status=422)
    if request.POST.get("confirm") != "yes":
        context["holder"] = holder if isinstance(holder, Citizen) else None
        return render(request, "registry/cancel_confirm.html", context)
    try:
        actions.cancel_id_number(request.user, number, reason=reason)
    except actions.RegistryError as error:  # cancelled by someone else between the two steps
        context["problems"] = _problems_by_field(error.problems)
        return render(request, "registry/cancel.html", context, status=422)
    messages.success(request, _("Number %(number)s cancelled. It will never be given out again.") % {"number": number})
    return redirect("id-number-cancel")


# --- change a residence ----------------------------------------------------------------------------------


def _residence_blocks(citizen: Citizen, allowed: frozenset[str] | None, typed: dict, problems: dict) -> list[dict]:
    labels = {"permanent": _("Permanent residence"), "temporary": _("Temporary residence"),
              "current": _("Current whereabouts")}  # fmt: skip
    pickers = {"permanent": _("Permanent residence (commune)"), "temporary": _("Temporary residence (commune)"),
               "current": _("Current whereabouts (commune)")}  # fmt: skip
    # the record's residence units with their district and province, in one query
    units = AdministrativeUnit.objects.select_related("parent__parent").in_bulk(
        [getattr(citizen, f"{kind}_unit_id") for kind in RESIDENCES if getattr(citizen, f"{kind}_unit_id")])
    blocks = []
    for kind in RESIDENCES:
        unit_name = f"{kind}_unit_code"
        if allowed is not None and unit_name not in allowed:
            continue
        unit = units.get(getattr(citizen, f"{kind}_unit_id"))
        values = typed or {unit_name: unit_code_for_form(unit), f"{kind}_address": getattr(citizen, f"{kind}_address")}
        picker = _unit_field(unit_name, pickers[kind], values, problems, known=unit)
        blocks.append({"kind": kind, "label": labels[kind], "unit": unit, "unit_label": _choice(unit).label if unit else "",
                       "picker": picker,
                       "address": values.get(f"{kind}_address", ""),
                       "address_problems": problems.get(f"{kind}_address", []),
                       "current_address": getattr(citizen, f"{kind}_address"),
                       "may_end": kind != "permanent" and unit is not None,
                       "ended": typed.get(f"end_{kind}") == "yes"})  # fmt: skip
    if blocks:
        blocks[0]["picker"]["autofocus"] = True
    return blocks


def _residence_context(request, citizen, *, typed=None, problems=None, version=None) -> dict:
    allowed = changeable_fields(request.user, citizen)
    problems = problems or {}
    shown = {f"{kind}_{part}" for kind in RESIDENCES for part in ("unit_code", "address")} | {"reason"}
    return {"citizen": citizen, "blocks": _residence_blocks(citizen, allowed, typed or {}, problems),
            "typed_reason": (typed or {}).get("reason", ""), "problems": problems,
            "version": citizen.version if version is None else version, "stale": "version" in problems,
            "other_problems": [m for field, found in problems.items() if field not in shown and field != "version"
                               for m in found]}  # fmt: skip


def _residence_values(citizen: Citizen, typed: dict, allowed: frozenset[str] | None) -> dict:
    """The residence fields the officer changed (a field left as it was is not sent: no empty change)."""
    values = {}
    for kind in RESIDENCES:
        unit_name, address_name = f"{kind}_unit_code", f"{kind}_address"
        if allowed is not None and unit_name not in allowed:
            continue
        if kind != "permanent" and typed.get(f"end_{kind}") == "yes":
            values[unit_name], values[address_name] = "", ""
            continue
        if typed[unit_name] != unit_code_for_form(getattr(citizen, f"{kind}_unit")):
            if typed[unit_name] or kind != "permanent":  # the permanent residence is moved, never removed
                values[unit_name] = typed[unit_name]
        if typed[address_name] != getattr(citizen, address_name):
            values[address_name] = typed[address_name]
    return values


@login_required
@require_http_methods(["GET", "POST"])
def change_residence(request, id_number: str):
    if not idnumber.is_valid(id_number):  # garbage (a NUL byte even) never reaches the database
        raise Http404
    try:
        citizen = access_citizen_by_id_number(request.user, id_number, Verb.CITIZEN_CHANGE_RESIDENCE,
                                              where="residence page")  # fmt: skip
    except NotFound as error:
        raise Http404 from error
    except PermissionDenied as error:
        raise PageForbidden from error
    allowed = changeable_fields(request.user, citizen)
    if allowed is not None and not allowed & {"temporary_unit_code", "current_unit_code"}:
        raise Http404  # in the area for reading only: nothing here this officer may change
    if request.method == "GET":
        actions.record_read(request.user, citizen, what="residence page")
        return render(request, "registry/residence.html", _residence_context(request, citizen))
    names = [f"{kind}_{part}" for kind in RESIDENCES for part in ("unit_code", "address")]
    typed = _typed(request, names)
    for kind in ("temporary", "current"):
        typed[f"end_{kind}"] = request.POST.get(f"end_{kind}", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1  # a form without its version is treated as stale: it never overwrites
    values = _residence_values(citizen, typed, allowed)
    if not values:
        messages.info(request, _("Nothing changed."))
        return redirect("citizen-detail", id_number=citizen.id_number)
    try:
        if found := reason_problems(typed["reason"]):
            raise actions.RegistryError(found)
        actions.update_citizen(request.user, citizen, values, reason=typed["reason"], expected_version=version)
    except actions.RegistryError as error:
        actions.record_read(request.user, citizen, what="residence page (refused)")
        fresh = Citizen.objects.get(pk=citizen.pk)
        context = _residence_context(request, fresh, typed=typed, problems=_problems_by_field(error.problems),
                                     version=version)  # fmt: skip
        return render(request, "registry/residence.html", context, status=409 if context["stale"] else 422)
    except NotFound as error:
        raise Http404 from error
    messages.success(request, _("Residence changed."))
    return redirect("citizen-detail", id_number=citizen.id_number)
