"""The pages an officer works from (issue 8 §3): the paged list of the area's citizens with filters, one
data-quality worklist per flag, suspected duplicates side by side (merge, or "not a duplicate"), and the
printable record extract. Thin: reads through ``access``/``selectors``, writes through the actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cancuoc.accounts.permissions import NotFound, PermissionDenied, Verb, has_permission, in_area, scope_of
from cancuoc.audit.selectors import history_of
from cancuoc.errors import bilingual
from cancuoc.protection.snapshots import revealed_history
from cancuoc.web.language import problem_text

from . import events, quality, selectors
from .access import access_citizen_by_id_number, citizen_in_area, scope_citizens, units_under
from .actions import RegistryError
from .actions.merging import MERGE_VERB, MERGEABLE_FIELDS, dismiss_duplicate, merge_citizens
from .errors import MESSAGES, RegistryErrorCode
from .models import Citizen, QualityFlag, Sex
from .validation import Problem

PAGE_SIZE = 50
COUNT_LIMIT = 5_000  # beyond this the page says "more than 5.000": counting further costs a scan

# Age bands (the card's renewal ages 14, 25, 40, 60; no fingerprints under 6): code → (youngest, oldest).
AGE_BANDS = {"0-5": (0, 5), "6-13": (6, 13), "14-24": (14, 24), "25-39": (25, 39), "40-59": (40, 59), "60+": (60, None)}
ANY_FLAG = "any"  # the list of every flagged citizen (the dashboard's "flagged" count)
RESIDENCE_KINDS = {"permanent": "permanent_unit", "temporary": "temporary_unit", "current": "current_unit"}


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier; 29 February becomes 28 February (as ``rules.people.age_on`` counts)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birth_date_range(band: str, today: date) -> tuple[date | None, date]:
    """(born after, born on or before): the birth dates of the ages of ``band`` on ``today``, as a range
    of the birth-date indexes instead of an age computed per row."""
    youngest, oldest = AGE_BANDS[band]
    return (years_before(today, oldest + 1) if oldest is not None else None), years_before(today, youngest)


@dataclass
class Filters:
    age: str = ""
    sex: str = ""
    residence: str = ""
    flag: str = ""
    unit: object = None  # an AdministrativeUnit in the user's area
    after: int | None = None
    before: int | None = None
    problems: list[str] = field(default_factory=list)
    typed: dict = field(default_factory=dict)

    def audited(self) -> dict:
        return {"age": self.age, "sex": self.sex, "residence": self.residence, "flag": self.flag,
                "unit": self.unit.pk if self.unit else None, "after": self.after, "before": self.before}  # fmt: skip


# the filters' names in both halves of the bilingual message
FILTER_NAMES = {"age": ("độ tuổi", "age"), "sex": ("giới tính", "sex"), "residence": ("nơi cư trú", "residence"),
                "flag": ("chất lượng dữ liệu", "data quality"), "unit": ("đơn vị", "unit"), "page": ("trang", "page")}  # fmt: skip


def _bad(filters: Filters, name: str, value: str) -> None:
    name_vi, name_en = FILTER_NAMES[name]
    message_vi = bilingual(MESSAGES, RegistryErrorCode.BAD_FILTER, name=name_vi, value=value[:40])[0]
    message_en = bilingual(MESSAGES, RegistryErrorCode.BAD_FILTER, name=name_en, value=value[:40])[1]
    filters.problems.append(f"{message_vi} / {message_en}")


def read_filters(request, *, flag: str = "") -> Filters:
    """The filters of the query string; each value that is not one of the offered ones is a problem (the
    page then shows the reason and no rows, never an unfiltered list)."""
    get = request.GET
    filters = Filters(flag=flag, typed={name: get.get(name, "")[:40] for name in ("age", "sex", "residence", "flag", "unit")})
    if (age := get.get("age", "")) and age not in AGE_BANDS:
        _bad(filters, "age", age)
    else:
        filters.age = age
    if (sex := get.get("sex", "")) and sex not in Sex.values:
        _bad(filters, "sex", sex)
    else:
        filters.sex = sex
    if (residence := get.get("residence", "")) and residence not in RESIDENCE_KINDS:
        _bad(filters, "residence", residence)
    else:
        filters.residence = residence
    if not flag and (code := get.get("flag", "")):
        if code in QualityFlag.Code.values or code == ANY_FLAG:
            filters.flag = code
        else:
            _bad(filters, "flag", code)
    if unit_id := get.get("unit", ""):
        unit = None
        if unit_id.isascii() and unit_id.isdigit() and len(unit_id) < 10:
            from cancuoc.units.models import AdministrativeUnit

            unit = AdministrativeUnit.objects.filter(pk=int(unit_id)).first()
        # a unit outside the area is refused like one that does not exist
        if unit is None or not in_area(request.user, Verb.CITIZEN_READ, unit.path):
            _bad(filters, "unit", unit_id)
        else:
            filters.unit = unit
    for name in ("after", "before"):
        if value := get.get(name, ""):
            if value.isascii() and value.isdigit() and len(value) < 19:
                setattr(filters, name, int(value))
            else:
                _bad(filters, "page", value)
    return filters


def filtered_citizens(user, filters: Filters, *, today: date) -> QuerySet[Citizen]:
    """The user's citizens (scoped, merged records left out) narrowed by ``filters``, unordered."""
    citizens = selectors.scoped(user)
    if filters.age:
        born_after, born_by = birth_date_range(filters.age, today)
        citizens = citizens.filter(birth_date__lte=born_by)
        if born_after is not None:
            citizens = citizens.filter(birth_date__gt=born_after)
    if filters.sex:
        citizens = citizens.filter(sex=filters.sex)
    if filters.flag == ANY_FLAG:
        citizens = citizens.filter(Exists(QualityFlag.objects.filter(citizen=OuterRef("pk"))))
    elif filters.flag:
        citizens = citizens.filter(quality_flags__code=filters.flag)  # one flag of a kind per citizen: no repeats
    path = filters.unit.path if filters.unit else (user.unit.path if user.unit_id and scope_of(user, Verb.CITIZEN_READ) else None)
    if filters.residence:
        column = RESIDENCE_KINDS[filters.residence]
        citizens = citizens.filter(**({f"{column}__in": units_under(path)} if path else {f"{column}__isnull": False}))
    elif filters.unit:
        units = units_under(filters.unit.path)
        citizens = citizens.filter(Q(permanent_unit__in=units) | Q(temporary_unit__in=units) | Q(current_unit__in=units))
    return citizens


@dataclass
class Page:
    citizens: list[Citizen]
    next_after: int | None
    previous_before: int | None
    count: int
    count_is_capped: bool


def page_of(citizens: QuerySet[Citizen], filters: Filters, *, flag_rows: str = "") -> Page:
    """One page in name order, by keyset: the rows after (or before) a given row, never an OFFSET that
    reads and throws away every earlier row. The cursor is a row's key; its name is read here, so no
    name travels in the address."""
    count = citizens.order_by()[: COUNT_LIMIT + 1].count()
    rows = citizens.select_related("permanent_unit")
    prefetch = QualityFlag.objects.order_by("code")
    if flag_rows:
        prefetch = prefetch.filter(code=flag_rows)
    rows = rows.prefetch_related(Prefetch("quality_flags", queryset=prefetch, to_attr="shown_flags"))
    cursor = filters.after if filters.after is not None else filters.before
    if cursor is not None:
        # read within the listed rows only: a cursor naming a record outside the area (or outside the
        # filters) says nothing about it and starts from the top, like a missing one
        name = citizens.filter(pk=cursor).values_list("name_folded", flat=True).first()
        if name is None:  # the row was merged, removed or left the list meanwhile: start again from the top
            filters.after = filters.before = cursor = None
    if cursor is None:
        found = list(rows.order_by("name_folded", "pk")[: PAGE_SIZE + 1])
        return Page(found[:PAGE_SIZE], found[PAGE_SIZE - 1].pk if len(found) > PAGE_SIZE else None, None,
                    min(count, COUNT_LIMIT), count > COUNT_LIMIT)  # fmt: skip
    if filters.after is not None:
        found = list(rows.filter(Q(name_folded__gt=name) | Q(name_folded=name, pk__gt=cursor))
                     .order_by("name_folded", "pk")[: PAGE_SIZE + 1])  # fmt: skip
        page = found[:PAGE_SIZE]
        return Page(page, page[-1].pk if len(found) > PAGE_SIZE else None, page[0].pk if page else None,
                    min(count, COUNT_LIMIT), count > COUNT_LIMIT)  # fmt: skip
    found = list(rows.filter(Q(name_folded__lt=name) | Q(name_folded=name, pk__lt=cursor))
                 .order_by("-name_folded", "-pk")[: PAGE_SIZE + 1])  # fmt: skip
    page = list(reversed(found[:PAGE_SIZE]))
    return Page(page, page[-1].pk if page else None, page[0].pk if len(found) > PAGE_SIZE else None,
                min(count, COUNT_LIMIT), count > COUNT_LIMIT)  # fmt: skip


def unit_choices(user, selected) -> list:
    """The units offered in the filter: the user's own unit and the units just below it (the provinces
    for a national user), and the one selected if it lies deeper."""
    from cancuoc.units.models import AdministrativeUnit

    if user.unit_id:
        units = list(AdministrativeUnit.objects.filter(Q(pk=user.unit_id) | Q(parent=user.unit_id)).order_by("depth", "name_folded"))
    else:
        units = list(AdministrativeUnit.objects.filter(parent__isnull=True, valid_to__isnull=True).order_by("name_folded"))
    if selected is not None and selected.pk not in {u.pk for u in units}:
        units.append(selected)
    return units


def _list_page(request, *, template: str, flag: str = "", where: str) -> HttpResponse:
    filters = read_filters(request, flag=flag)
    today = timezone.localdate()
    context = {"filters": filters, "typed": filters.typed, "age_bands": list(AGE_BANDS),
               "units": unit_choices(request.user, filters.unit), "flag": flag, "codes": QualityFlag.Code.choices,
               "page": None, "today": today}  # fmt: skip
    if filters.problems:
        return render(request, template, context, status=400)
    page = page_of(filtered_citizens(request.user, filters, today=today), filters, flag_rows=flag)
    events.citizens_listed(request.user, where=where, filters=filters.audited(),
                           returned=[c.id_number for c in page.citizens])  # fmt: skip
    context["page"] = page
    return render(request, template, context)


@login_required
def citizen_list(request):
    if not has_permission(request.user, Verb.CITIZEN_READ):
        return HttpResponseForbidden(_("Your role has no access to the population registry."))
    return _list_page(request, template="registry/list.html", where="citizen list")


@login_required
def quality_worklist(request, code: str):
    if code not in QualityFlag.Code.values:
        raise Http404
    if not has_permission(request.user, Verb.QUALITY_READ):
        return HttpResponseForbidden(_("Your role has no access to the population registry."))
    return _list_page(request, template="registry/quality_worklist.html", flag=code, where=f"quality worklist {code}")


# --- suspected duplicates side by side -------------------------------------------------------------------

def _shown(citizen: Citizen, name: str) -> str:
    """A field's value as a person reads it: words for codes, unit names, dates as dd/mm/yyyy, a linked
    record as its number."""
    model_field = Citizen._meta.get_field(name)
    if model_field.is_relation:
        related = getattr(citizen, name)
        if related is None:
            return ""
        if isinstance(related, Citizen):
            return f"{related.id_number} · {related.full_name}"
        full_name = getattr(related, "full_name", None)  # a unit: its name with its parents'
        return full_name() if callable(full_name) else str(related)
    value = getattr(citizen, name)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if model_field.choices and value:
        return str(dict(model_field.flatchoices).get(value, value))
    if name == "nationality":
        from cancuoc.web.templatetags.cancuoc_words import nationality

        return nationality(value)
    return value or ""


def _label(name: str) -> str:
    from cancuoc.web.templatetags.cancuoc_words import _field_label

    return _field_label(name)


def comparison(left: Citizen, right: Citizen, typed: dict) -> list[dict]:
    """One row per field: both values as words, whether they differ, and which side is chosen (what the
    officer chose before a refused submit, otherwise the side that has a value, the left first)."""
    rows = [{"name": "id_number", "label": _label("id_number"), "left": left.id_number, "right": right.id_number,
             "differs": True, "choosable": False}]  # fmt: skip
    for name in MERGEABLE_FIELDS:
        shown_left, shown_right = _shown(left, name), _shown(right, name)
        chosen = typed.get(f"take_{name}") or ("left" if shown_left else "right")
        rows.append({"name": name, "label": _label(name), "left": shown_left, "right": shown_right,
                     # a value against an empty one is not a choice: the kept record is filled in anyway
                     "differs": shown_left != shown_right, "choosable": shown_left != shown_right and bool(shown_left and shown_right),
                     "chosen": chosen})  # fmt: skip
    return rows


def _pair(request, citizen_id: int, twin_id: int | None):
    """The flagged record and its suspected twins the user may see; 404 outside the area."""
    related = ["permanent_unit", "temporary_unit", "current_unit", "birth_registration_unit", "origin_unit",
               "household", "father", "mother", "spouse", "legal_representative"]  # fmt: skip
    citizen = scope_citizens(request.user, Citizen.objects.filter(pk=citizen_id, merged_into__isnull=True)
                             .select_related(*related)).first()  # fmt: skip
    if citizen is None:
        raise Http404
    all_twins = quality.suspected_twins(citizen)
    twins = list(scope_citizens(request.user, all_twins).select_related(*related))
    hidden = all_twins.count() - len(twins)
    twin = next((t for t in twins if t.pk == twin_id), twins[0] if twins else None)
    return citizen, twins, twin, hidden


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19 else None


@login_required
def duplicate_review(request, citizen_id: int):
    if not has_permission(request.user, Verb.QUALITY_READ):
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    citizen, twins, twin, hidden = _pair(request, citizen_id, _int(source.get("twin")))
    problems: list[str] = []
    typed = {}
    if request.method == "POST" and twin is not None:
        if not has_permission(request.user, MERGE_VERB):
            return HttpResponseForbidden(_("Only supervisors and national administrators merge or clear duplicates."))
        reason = request.POST.get("reason", "")[:300]
        typed = {"reason": reason, "keep": request.POST.get("keep", ""),
                 **{f"take_{name}": request.POST.get(f"take_{name}", "") for name in MERGEABLE_FIELDS}}  # fmt: skip
        try:
            if request.POST.get("action") == "dismiss":
                dismiss_duplicate(request.user, citizen, twin, reason=reason)
                messages.success(request, _("Marked as two different people: the flag is cleared. / Đã xác định là hai người khác nhau."))
                return redirect("quality-worklist", code=QualityFlag.Code.SUSPECTED_DUPLICATE)
            if request.POST.get("action") != "merge" or request.POST.get("confirm_merge") != "yes":
                # a merge cancels a number for good: never by Enter or by a form without the explicit tick
                raise RegistryError([Problem("confirm_merge", "merge_not_confirmed",
                                             "Đánh dấu xác nhận đây là một người trước khi hợp nhất",
                                             "Tick the confirmation that this is one person before merging")])  # fmt: skip
            keep, merged = (twin, citizen) if request.POST.get("keep") == str(twin.pk) else (citizen, twin)
            merged_side = "right" if merged is twin else "left"
            take = [name for name in MERGEABLE_FIELDS if request.POST.get(f"take_{name}") == merged_side]
            versions = {pk: version for pk, version in ((citizen.pk, _int(request.POST.get("version_left"))),
                                                        (twin.pk, _int(request.POST.get("version_right"))))}  # fmt: skip
            kept = merge_citizens(request.user, keep, merged, reason=reason, expected_versions=versions,
                                  take_from_merged=take)  # fmt: skip
        except (NotFound, PermissionDenied) as error:
            raise Http404 from error
        except RegistryError as error:
            problems = [problem_text(problem) for problem in error.problems]
        else:
            messages.success(request, _("Records merged. / Đã hợp nhất hồ sơ."))
            return redirect("citizen-detail", id_number=kept.id_number)
    for shown in (citizen, twin):
        if shown is not None:
            events.citizen_viewed(request.user, shown, where="duplicate review")
    rows = comparison(citizen, twin, typed) if twin else []
    context = {"citizen": citizen, "twin": twin, "twins": twins, "hidden": hidden, "problems": problems,
               "typed": typed, "rows": rows, "differing": [row for row in rows if row["differs"]],
               "same": [row for row in rows if not row["differs"]],
               "can_merge": has_permission(request.user, MERGE_VERB)}  # fmt: skip
    return render(request, "registry/duplicate_review.html", context, status=422 if problems else 200)


def merging_context(user, citizen: Citizen) -> dict:
    """For the citizen page: the record this one was merged into (its number only when the user may see
    it), and the records merged into this one with their own histories."""
    merged_into = citizen.merged_into if citizen.merged_into_id else None
    records = [(record, revealed_history(history_of(("citizen", "id_number"), record.id_number)))
               for record in citizen.merged_records.order_by("merged_at") if citizen_in_area(user, record)]  # fmt: skip
    return {"merged_into": merged_into, "merged_into_visible": merged_into is not None and citizen_in_area(user, merged_into),
            "merged_records": records}  # fmt: skip


# --- printable extract -------------------------------------------------------------------------------

@login_required
def citizen_extract(request, id_number: str):
    try:
        citizen = access_citizen_by_id_number(request.user, id_number, where="record extract")
    except (NotFound, PermissionDenied) as error:
        raise Http404 from error
    from cancuoc.web.templatetags.cancuoc_words import head_first

    from .extract import render_extract

    members = head_first(selectors.get_household_members(citizen.household, user=request.user)) if citizen.household_id else []
    events.citizen_extract_printed(request.user, citizen, members=[m.id_number for m in members])
    pdf = render_extract(citizen, members, printed_by=request.user, printed_at=timezone.localtime())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="trich-luc-{citizen.id_number}.pdf"'
    return response


def worklist_url(code: str, unit=None, *, permanent: bool = False) -> str:
    url = reverse("quality-worklist", args=[code])
    if unit is None:
        return url
    return f"{url}?unit={unit.pk}" + ("&residence=permanent" if permanent else "")
