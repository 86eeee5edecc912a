"""The household pages an officer needs (issue 8 §3): create a household with its head, move a citizen into a
household, change the head. Thin: each reads its form, calls an action of ``actions.households`` (role,
area, reason, row locks, audit) and shows every refusal beside its field with what the officer typed kept.

Keyboard-first: the citizen is found by ID number or name while typing (htmx, the registry's search), the
matches come as radio buttons (arrow keys choose, the first is chosen), and Enter saves.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cancuoc.accounts.permissions import NotFound, PermissionDenied, has_permission, in_area
from cancuoc.units.models import AdministrativeUnit, Level
from cancuoc.units.selectors import unit_path
from cancuoc.web.language import problem_text
from cancuoc.web.templatetags.cancuoc_words import head_first

from . import events, selectors
from .access import access_citizen_by_id_number, access_household_by_id
from .actions import RegistryError
from .actions import households as actions
from .errors import RegistryErrorCode, problem
from .models import Citizen, Household, Relation
from .validation import has_forbidden_characters

PICK_LIMIT = 8
# a select of communes up to this many (a province has ~150 today); past it (nationwide) a commune code
MAX_UNIT_CHOICES = 300


def may_change(user, household: Household) -> bool:
    """Whether the household page offers this user the household actions (the actions check again)."""
    return has_permission(user, actions.HOUSEHOLD_CHANGE) and in_area(
        user, actions.HOUSEHOLD_CHANGE, unit_path(household.unit_id)
    )


def _forbidden():
    return HttpResponseForbidden(_("Your role may not change households."))


def _household_for_change(request, household_id: int) -> Household:
    try:
        household = access_household_by_id(request.user, household_id)
    except NotFound as error:
        raise Http404 from error
    if not in_area(request.user, actions.HOUSEHOLD_CHANGE, household.unit.path):
        raise Http404
    return household


def _by_field(problems) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in problems:
        found.setdefault(item.field, []).append(problem_text(item))
    return found


def _picker(request, *, exclude_household: int | None = None) -> dict:
    """The citizens matching ``q`` in the user's area (audited as a search), with their households."""
    query = _text(request.GET.get("q", request.POST.get("q", "")), 140)
    if not query:
        return {"query": "", "matches": [], "searched": False}
    result = selectors.search_citizens(request.user, query, limit=PICK_LIMIT)
    events.citizens_searched(request.user, query=query, birth_year=None,
                             returned=[c.id_number for c in result.citizens])  # fmt: skip
    numbers = dict(Household.objects.filter(pk__in={c.household_id for c in result.citizens if c.household_id})
                   .values_list("pk", "number"))  # fmt: skip
    matches = [(c, numbers.get(c.household_id, "")) for c in result.citizens]
    return {"query": query, "matches": matches, "searched": True, "more": result.truncated}


def _chosen_citizen(request, problems: list) -> tuple[Citizen | None, int | None]:
    """The citizen the form names (by ID number), with the version the form showed."""
    number = request.POST.get("citizen", "").strip()
    if not number:
        problems.append(problem("citizen", RegistryErrorCode.CHOOSE_CITIZEN))
        return None, None
    if not (len(number) == 12 and number.isascii() and number.isdigit()):  # never a number: nothing to look up
        problems.append(problem("citizen", RegistryErrorCode.CITIZEN_NOT_FOUND))
        return None, None
    try:
        citizen = access_citizen_by_id_number(request.user, number, where="household form")
    except (NotFound, PermissionDenied):
        problems.append(problem("citizen", RegistryErrorCode.CITIZEN_NOT_FOUND))
        return None, None
    version = request.POST.get(f"version-{number}", "")
    return citizen, int(version) if version.isascii() and version.isdigit() and len(version) < 19 else None


def _text(value: str, limit: int) -> str:
    """Form text as far as it may reach the database: control characters (NUL ...) dropped, bounded."""
    return "".join(char for char in value[: limit * 2] if not has_forbidden_characters(char))[:limit].strip()


def _typed(request, *names) -> dict:
    return {name: _text(request.POST.get(name, ""), 300) for name in names}


def _codes(error: RegistryError) -> set[str]:
    return {p.code for p in error.problems}


# --- create -------------------------------------------------------------------------------------------------


def _unit_choices(user) -> list[AdministrativeUnit] | None:
    """Today's communes of the user's area, or None when there are too many for a list (type a code)."""
    today = timezone.localdate()
    if user.unit is not None and user.unit.level == Level.COMMUNE:
        return [user.unit]
    communes = AdministrativeUnit.objects.filter(level=Level.COMMUNE, valid_to__isnull=True)
    if user.unit is not None:
        communes = communes.filter(path__startswith=user.unit.path)
    found = list(communes.order_by("name")[: MAX_UNIT_CHOICES + 1])
    found = [unit for unit in found if unit.is_in_force(today)]
    return None if len(found) > MAX_UNIT_CHOICES else found


def _unit_from_form(request, choices) -> AdministrativeUnit | None:
    value = _text(request.POST.get("unit", ""), 20)
    if choices is not None:
        return next((unit for unit in choices if str(unit.pk) == value), None)
    from .actions import resolve_unit

    try:
        return resolve_unit(value[:10], Level.COMMUNE, "unit") if value else None
    except RegistryError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    if not has_permission(request.user, actions.HOUSEHOLD_CHANGE):
        return _forbidden()
    if request.htmx and request.method == "GET":
        return render(request, "registry/household_pick.html", _picker(request))
    choices = _unit_choices(request.user)
    context = {"choices": choices, "typed": {}, "problems": {}, "form_problems": [], **_picker(request)}
    if request.method == "GET":
        return render(request, "registry/household_create.html", context)
    problems: list = []
    head, version = _chosen_citizen(request, problems)
    unit = _unit_from_form(request, choices)
    if unit is None:
        problems.append(problem("unit", RegistryErrorCode.NOT_A_COMMUNE))
    if not problems:
        try:
            household = actions.create_household(request.user, unit=unit, address=request.POST.get("address", ""),
                                                 head=head, reason=request.POST.get("reason", ""),
                                                 expected_version=version)  # fmt: skip
        except NotFound:
            problems.append(problem("citizen", RegistryErrorCode.CITIZEN_NOT_FOUND))
        except RegistryError as error:
            if done := _created_already(head, unit, request.POST.get("address", ""), error):
                return _done(request, done, _("The household was already created."))
            problems.extend(error.problems)
        else:
            return _done(request, household, _("Household created."))
    context.update(_refused(request, problems, "unit", "address", "reason", "citizen"))
    return render(request, "registry/household_create.html", context, status=422)


def _created_already(head, unit, address: str, error: RegistryError) -> Household | None:
    """A second click of the same form: the head already heads the household the first click created."""
    if "stale" not in _codes(error) or head is None:
        return None
    household = Household.objects.filter(head=head, unit=unit).order_by("-pk").first()
    if household is not None and household.address == " ".join(address.split()):
        return household
    return None


def _shown(request, template: str, context: dict, *, where: str, status: int = 200):
    """A page showing the household's members: a read of their records, audited as the household page is."""
    household, members = context["household"], context.get("members") or []
    events.household_viewed(request.user, household, where=where, members=[m.id_number for m in members])
    return render(request, template, context, status=status)


def _done(request, household: Household, message: str):
    messages.success(request, message)
    return redirect("household-detail", household_id=household.pk)


def _refused(request, problems: list, *names) -> dict:
    by_field = _by_field(problems)
    return {
        "typed": _typed(request, *names), "problems": by_field,
        "form_problems": [m for field, found in by_field.items() if field not in names for m in found],
    }  # fmt: skip


# --- move a member ---------------------------------------------------------------------------------------


def _relations(household: Household, members: list[Citizen]) -> list[tuple[str, str]]:
    """The relations a newcomer may take: head only into an empty household, never while there is a head."""
    if household.head_id is None and not members:
        return [(Relation.HEAD.value, Relation.HEAD.label)]
    choices = [(value, label) for value, label in Relation.choices if value != Relation.HEAD]
    return choices if household.head_id is not None else [(Relation.HEAD.value, Relation.HEAD.label), *choices]


@login_required
@require_http_methods(["GET", "POST"])
def move_member(request, household_id: int):
    if not has_permission(request.user, actions.HOUSEHOLD_CHANGE):
        return _forbidden()
    household = _household_for_change(request, household_id)
    if request.htmx and request.method == "GET":
        return render(request, "registry/household_pick.html", _picker(request))
    members = selectors.get_household_members(household, user=request.user)
    context = {"household": household, "members": members, "relations": _relations(household, members),
               "typed": {}, "problems": {}, "form_problems": [], **_picker(request)}  # fmt: skip
    if request.method == "GET":
        return _shown(request, "registry/household_move.html", context, where="household move form")
    problems: list = []
    citizen, version = _chosen_citizen(request, problems)
    relation = request.POST.get("relation", "")
    if not problems:
        try:
            actions.move_member(request.user, citizen, household, relation=relation,
                                reason=request.POST.get("reason", ""), expected_version=version)  # fmt: skip
        except NotFound:
            problems.append(problem("citizen", RegistryErrorCode.CITIZEN_NOT_FOUND))
        except RegistryError as error:
            now = Citizen.objects.filter(pk=citizen.pk).values_list("household_id", "relation_to_head").first()
            if _codes(error) & {"stale", "already_in_household"} and now == (household.pk, relation):
                return _done(request, household, _("Already done."))
            problems.extend(error.problems)
        else:
            return _done(request, household, _("Member moved."))
    context.update(_refused(request, problems, "citizen", "relation", "reason"))
    return _shown(request, "registry/household_move.html", context, where="household move form", status=422)


# --- change the head ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def change_head(request, household_id: int):
    if not has_permission(request.user, actions.HOUSEHOLD_CHANGE):
        return _forbidden()
    household = _household_for_change(request, household_id)
    members = head_first(selectors.get_household_members(household, user=request.user))
    head = next((m for m in members if m.pk == household.head_id), None)
    context = {"household": household, "members": members, "head": head,
               "candidates": [m for m in members if m.pk != household.head_id],
               "relations": [(v, label) for v, label in Relation.choices if v != Relation.HEAD],
               "typed": {}, "problems": {}, "form_problems": []}  # fmt: skip
    if request.method == "GET":
        return _shown(request, "registry/household_head.html", context, where="household head form")
    problems: list = []
    new_head = next((m for m in members if m.id_number == request.POST.get("citizen", "")), None)
    if new_head is None:
        problems.append(problem("citizen", RegistryErrorCode.CHOOSE_CITIZEN))
    else:
        try:
            actions.change_head(request.user, household, new_head, reason=request.POST.get("reason", ""),
                                old_head_relation=request.POST.get("old_head_relation", ""),
                                expected_head=request.POST.get("expected_head", "")[:12])  # fmt: skip
        except NotFound:
            problems.append(problem("citizen", RegistryErrorCode.CITIZEN_NOT_FOUND))
        except RegistryError as error:
            now = Household.objects.filter(pk=household.pk).values_list("head_id", flat=True).first()
            if _codes(error) & {"stale", "already_head"} and now == new_head.pk:
                return _done(request, household, _("Already done."))
            problems.extend(error.problems)
        else:
            return _done(request, household, _("Head of household changed."))
    context.update(_refused(request, problems, "citizen", "old_head_relation", "reason"))
    return _shown(request, "registry/household_head.html", context, where="household head form", status=422)
