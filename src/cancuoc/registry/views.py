from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cancuoc.accounts.permissions import NotFound, PermissionDenied, Verb, has_permission
from cancuoc.audit.selectors import history_of
from cancuoc.protection.snapshots import revealed_history
from cancuoc.units.access import access_unit_by_id
from cancuoc.web.language import problem_text

from . import actions, events, selectors
from .access import access_citizen_by_id_number, access_household_by_id, changeable_fields
from .models import AllocatedIdNumber

EDITABLE_FIELDS = [
    "family_name", "middle_name", "given_name", "other_names", "birth_date", "sex", "ethnicity", "religion",
    "permanent_address", "temporary_address", "current_address", "old_id_number", "date_of_death",
]  # fmt: skip


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def search(request):
    if not has_permission(request.user, Verb.CITIZEN_READ):
        return HttpResponseForbidden(_("Your role has no access to the population registry."))
    query = request.GET.get("q", "")[:140]
    birth_year = _int_or_none(request.GET.get("birth_year"))
    offset = min(max(_int_or_none(request.GET.get("offset")) or 0, 0), selectors.MAX_OFFSET)
    unit = None
    if unit_id := _int_or_none(request.GET.get("unit")):
        try:
            unit = access_unit_by_id(request.user, unit_id)
        except NotFound:
            unit = None
    result, error = None, ""
    if birth_year is not None and not 1850 <= birth_year <= 2200:
        error = _("The birth year must be between 1850 and 2200. / Năm sinh phải từ 1850 đến 2200.")
    elif query or birth_year or unit:
        result = selectors.search_citizens(request.user, query, birth_year=birth_year, unit=unit, offset=offset)
        events.citizens_searched(request.user, query=query, birth_year=birth_year,
                                 returned=[c.id_number for c in result.citizens])  # fmt: skip
    context = {"query": query, "birth_year": birth_year or "", "unit": unit, "result": result, "error": error,
               "previous_offset": max(offset - selectors.SEARCH_LIMIT, 0) if offset else None,
               "last_shown": offset + len(result.citizens) if result else 0}  # fmt: skip
    template = "registry/_results.html" if request.htmx else "registry/search.html"
    return render(request, template, context)


@login_required
def detail(request, id_number: str):
    try:
        citizen = access_citizen_by_id_number(request.user, id_number, where="citizen page")
    except (NotFound, PermissionDenied) as error:
        raise Http404 from error
    actions.record_read(request.user, citizen)
    return render(request, "registry/detail.html", _detail_context(request, citizen))


def _detail_context(request, citizen, *, typed: dict | None = None, problems: list | None = None) -> dict:
    """The citizen page; after a refused change, the form shows what the officer typed and why it was refused."""
    allowed = changeable_fields(request.user, citizen) if has_permission(request.user, Verb.CITIZEN_CHANGE_RESIDENCE) else frozenset()
    if citizen.merged_into_id:  # a merged record is kept for its history; the record that stays is changed
        allowed = frozenset()
    typed = typed or {}
    by_field: dict[str, list[str]] = {}
    for problem in problems or []:
        by_field.setdefault(problem.field, []).append(problem_text(problem))
    return {
        "citizen": citizen,
        "flags": list(citizen.quality_flags.all()),
        "age": citizen.age_on(citizen.date_of_death or timezone.localdate()),
        "eligible": citizen.is_eligible_for_card(timezone.localdate()) and not citizen.merged_into_id,
        "history": revealed_history(history_of(("citizen", "id_number"), citizen.id_number)),
        "can_change": allowed is None or bool(allowed),
        "merged": bool(citizen.merged_into_id),
        "number_cancelled": AllocatedIdNumber.objects.filter(
            number=citizen.id_number, status=AllocatedIdNumber.Status.CANCELLED
        ).exists(),
        "editable": [
            (name, citizen._meta.get_field(name).verbose_name, typed.get(name, getattr(citizen, name)),
             by_field.get(name, []))
            for name in EDITABLE_FIELDS
            if allowed is None or name in allowed
        ],
        "typed_reason": typed.get("reason", ""),
        "form_problems": [message for field, messages in by_field.items() if field not in EDITABLE_FIELDS
                          for message in messages],
    }  # fmt: skip


@login_required
@require_POST
def change(request, id_number: str):
    try:
        citizen = access_citizen_by_id_number(request.user, id_number, Verb.CITIZEN_CHANGE_RESIDENCE,
                                              where="change form")
    except NotFound as error:
        raise Http404 from error
    except PermissionDenied:
        return HttpResponseForbidden(_("Your role may not change citizen records."))
    values = {}
    for name in EDITABLE_FIELDS:
        if name in request.POST:
            submitted = request.POST[name].strip()
            current = getattr(citizen, name)
            shown = current.strftime("%d/%m/%Y") if hasattr(current, "strftime") else (current or "")
            if submitted != str(shown):
                values[name] = submitted or None if name == "date_of_death" else submitted
    try:
        actions.update_citizen(
            request.user, citizen, values, reason=request.POST.get("reason", ""),
            expected_version=_int_or_none(request.POST.get("version")),
        )  # fmt: skip
    except actions.RegistryError as error:
        # the page again, with what was typed kept and each reason beside its field (no redirect: nothing lost)
        actions.record_read(request.user, citizen, what="change form (refused)")
        typed = {name: request.POST[name].strip() for name in EDITABLE_FIELDS if name in request.POST}
        typed["reason"] = request.POST.get("reason", "")[:300]
        context = _detail_context(request, citizen, typed=typed, problems=error.problems)
        return render(request, "registry/detail.html", context, status=422)
    messages.success(request, _("Saved. / Đã lưu.") if values else _("Nothing changed."))
    return redirect("citizen-detail", id_number=citizen.id_number)


@login_required
def household(request, household_id: int):
    try:
        found = access_household_by_id(request.user, household_id)
    except NotFound as error:
        raise Http404 from error
    members = selectors.get_household_members(found, user=request.user)
    events.household_viewed(request.user, found, where="household page", members=[m.id_number for m in members])
    from .views_households import may_change

    return render(request, "registry/household.html", {"household": found, "members": members,
                                                       "may_change": may_change(request.user, found)})  # fmt: skip
