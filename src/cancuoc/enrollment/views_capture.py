"""The capture page: the screen a station officer keeps open all shift. One page, driven by the keyboard:
find the citizen, confirm (or ask to correct) the data, kind and reason, portrait, ten fingerprints,
submit, print CC01 and CC02, next citizen. Each step answers as an htmx partial; without htmx every
route answers the whole page, so a plain form post works too.

The Idempotency-Key and the opening time are made when the page is served: a double click or a retried
submit returns the first application, and "next citizen" loads the page afresh (a new key)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from cancuoc.accounts.permissions import NotFound, PermissionDenied, Verb, has_permission
from cancuoc.errors import bilingual
from cancuoc.forms.data import FINGER_NAMES
from cancuoc.issuance.selectors import open_reissue_request
from cancuoc.registry import actions as registry_actions
from cancuoc.registry import events as registry_events
from cancuoc.registry import selectors as registry_selectors
from cancuoc.registry.access import access_citizen_by_id_number
from cancuoc.registry.actions.changes import pending_for, request_change
from cancuoc.registry.models import Sex
from cancuoc.rules import applications as rules
from cancuoc.rules import idnumber
from cancuoc.web.policies import content_security_policy, permissions_policy

from .actions import EXCEPTIONS, MAX_IMAGE_BYTES, REFUSALS, has_card, submit_application
from .errors import MESSAGES, EnrollmentError
from .errors import EnrollmentErrorCode as Code
from .models import Application, StationAssignment

# the page shows the images just taken (object URLs of the files in the form) and may use the camera
blob_images = content_security_policy(img_src=("'self'", "blob:"))
camera = permissions_policy(camera="self")
SEARCH_SHOWN = 20  # a queue screen: the officer narrows with the birth year rather than paging
CORRECTABLE = ("family_name", "middle_name", "given_name", "other_names", "birth_date", "sex", "ethnicity",
               "religion", "permanent_address")  # fmt: skip

# kind and reason as the officer reads them (Vietnamese, English); codes stay what the rules say
KIND_LABELS: dict[rules.Kind, tuple[str, str]] = {
    rules.Kind.FIRST: ("Cấp mới", "First card"),
    rules.Kind.RENEWAL: ("Cấp đổi (đến tuổi)", "Renewal (age)"),
    rules.Kind.REPLACEMENT: ("Cấp đổi", "Replacement"),
    rules.Kind.REISSUE: ("Cấp lại", "Re-issue"),
}
REASON_LABELS: dict[rules.Reason, tuple[str, str]] = {
    rules.Reason.MANDATORY_AGE: ("Đủ 14 tuổi", "Aged 14 or over"),
    rules.Reason.ON_REQUEST: ("Dưới 14 tuổi, theo đề nghị", "Under 14, on request"),
    rules.Reason.RENEWAL_AGE: ("Đến tuổi đổi thẻ (14, 25, 40, 60)", "Renewal age (14, 25, 40, 60)"),
    rules.Reason.NAME_OR_BIRTH_DATE_CHANGED: ("Thay đổi họ tên hoặc ngày sinh", "Name or birth date changed"),
    rules.Reason.IDENTITY_FEATURES_CHANGED: ("Thay đổi đặc điểm nhận dạng, giới tính",
                                             "Identity features or sex changed"),
    rules.Reason.PRINTED_DATA_WRONG: ("Thông tin in trên thẻ sai", "Printed data wrong"),
    rules.Reason.UNIT_REARRANGEMENT: ("Sắp xếp đơn vị hành chính", "Administrative units rearranged"),
    rules.Reason.ID_NUMBER_REESTABLISHED: ("Xác lập lại số định danh", "ID number re-established"),
    rules.Reason.REPLACEMENT_ON_REQUEST: ("Theo đề nghị của công dân", "On the citizen's request"),
    rules.Reason.LOST: ("Bị mất thẻ", "Card lost"),
    rules.Reason.DAMAGED: ("Thẻ hư hỏng không sử dụng được", "Card damaged"),
    rules.Reason.NATIONALITY_REGAINED: ("Được trở lại quốc tịch Việt Nam", "Nationality regained"),
}  # fmt: skip
EXCEPTION_LABELS = {"amputated": ("Cụt ngón", "Amputated"), "bandaged": ("Băng bó", "Bandaged"),
                    "unreadable": ("Không lấy được", "Unreadable")}  # fmt: skip
# said by the page before it sends a portrait that failed a check without the reason to accept it
OVERRIDE_NEEDED = ("Ảnh chân dung chưa đạt: ghi lý do chấp nhận ảnh này, hoặc chụp lại",
                   "The portrait failed a check: give the reason to accept it, or take it again")  # fmt: skip
# refusals shown beside the field they are about; the others above the submit button
FIELD_OF = {Code.KIND_REFUSED: "kind", Code.PORTRAIT_MISSING: "portrait", Code.REASON_INVALID: "override",
            Code.REASON_REQUIRED: "override"}  # fmt: skip


@dataclass(frozen=True)
class Choice:
    value: str  # "kind:reason"
    kind_vi: str
    kind_en: str
    reason_vi: str
    reason_en: str


def _require_capture(user) -> None:
    if not has_permission(user, Verb.APPLICATION_CREATE):
        raise Forbidden("enrollment:application:create")


def _citizen(user, id_number: str):
    """The citizen, if this officer may take an application for them: 404 outside the area, as missing."""
    try:
        return access_citizen_by_id_number(user, id_number, Verb.APPLICATION_CREATE, where="capture page")
    except NotFound as error:
        raise Http404 from error
    except PermissionDenied as error:
        raise Forbidden(str(error)) from error


def allowed_choices(citizen, today) -> tuple[list[Choice], str, list[tuple[str, str]]]:
    """The (kind, reason) pairs the rules allow for this citizen today, the default one, and why nothing
    is allowed when the list is empty."""
    holds_card = has_card(citizen)
    common = {"birth_date": citizen.birth_date, "on": today, "alive": citizen.date_of_death is None,
              "nationality": citizen.nationality, "has_card": holds_card}  # fmt: skip
    choices, refused = [], []
    for kind in rules.Kind:
        for reason in rules.REASONS[kind]:
            why = rules.refusal(kind, reason, **common)
            if why is None:
                choices.append(Choice(f"{kind}:{reason}", *KIND_LABELS[kind], *REASON_LABELS[reason]))
            elif why not in refused:
                refused.append(why)
    age = citizen.age_on(today)
    default_kind = rules.Kind.REPLACEMENT if holds_card else rules.Kind.FIRST
    if holds_card and rules.renewal_due(citizen.birth_date, today):
        default_kind = rules.Kind.RENEWAL
    default = f"{default_kind}:{rules.default_reason(default_kind, age)}"
    if choices and default not in {c.value for c in choices}:
        default = choices[0].value
    reasons = [REFUSALS[why] for why in refused if why in (rules.Refusal.DEAD, rules.Refusal.NOT_VIETNAMESE)]
    return choices, default, reasons if not choices else []


def _station(user):
    assignment = (StationAssignment.objects.select_related("station")
                  .filter(officer=user, current=True, station__active=True).first())  # fmt: skip
    return assignment.station if assignment else None


def _page_context(request) -> dict:
    station = _station(request.user)
    return {
        "idempotency_key": uuid.uuid4().hex,
        "opened_at": timezone.now().isoformat(),
        "station": station,
        "no_station": None if station else MESSAGES[Code.NO_STATION],
        "query": "",
        "birth_year": "",
    }


def _citizen_context(request, citizen, *, typed: dict | None = None, errors: dict | None = None) -> dict:
    today = timezone.localdate()
    choices, default, not_allowed = allowed_choices(citizen, today)
    typed = typed or {}
    open_application = Application.objects.filter(citizen=citizen, is_open=True).only("code", "stage").first()
    # a card reported lost and confirmed: the station re-issues (issuance's re-issue request)
    reissue = open_reissue_request(citizen)
    lost = f"{rules.Kind.REISSUE}:{rules.Reason.LOST}"
    if reissue is not None and lost in {choice.value for choice in choices}:
        default = lost
    return {
        **_data_context(citizen),
        "reissue": reissue,
        "choices": choices,
        "chosen": typed.get("kind_reason") or default,
        "not_allowed": not_allowed,
        "under_14": citizen.age_on(today) < rules.CARD_MANDATORY_AGE,
        "takes_fingerprints": rules.takes_biometrics(citizen.birth_date, today),
        "fingers": [
            {
                "position": p,
                "name_vi": name.vi,
                "name_en": name.en,
                "exception": typed.get(f"exception_{p}", ""),
                "error": (errors or {}).get(f"finger_{p}"),
                "missing": bilingual(MESSAGES, Code.FINGER_SLOTS, position=p),
            }
            for p, name in FINGER_NAMES.items()
        ],  # fmt: skip
        "exceptions": [(code, *EXCEPTION_LABELS[code]) for code in EXCEPTIONS],
        "override": typed.get("portrait_override_reason", ""),
        "override_needed": OVERRIDE_NEEDED,
        "errors": errors or {},
        "open_application": open_application,
        "max_image_bytes": MAX_IMAGE_BYTES,
    }


def _data_context(citizen, **extra) -> dict:
    """The read-only data of step 2 and its correction form."""
    return {
        "citizen": citizen,
        "age": citizen.age_on(timezone.localdate()),
        "birth_shown": citizen.birth_date.strftime(
            "%Y" if citizen.birth_date_precision == "year" else "%d/%m/%Y"
        ),
        "change_pending": pending_for(citizen.pk),
        "correct": _correction_context(citizen),
        **extra,
    }


def _correction_context(citizen, *, typed: dict | None = None, problems: dict | None = None) -> list[dict]:
    fields = []
    for name in CORRECTABLE:
        current = getattr(citizen, name)
        shown = current.strftime("%d/%m/%Y") if hasattr(current, "strftime") else (current or "")
        fields.append({"name": name, "label": citizen._meta.get_field(name).verbose_name,
                       "value": (typed or {}).get(name, shown), "problems": (problems or {}).get(name, []),
                       "choices": Sex.choices if name == "sex" else None})  # fmt: skip
    return fields


@login_required
@require_GET
@camera
@blob_images
def capture_page(request):
    _require_capture(request.user)
    context = _page_context(request)
    id_number = request.GET.get("id", "")
    if idnumber.is_valid(id_number):
        citizen = _citizen(request.user, id_number)
        registry_actions.record_read(request.user, citizen, what="capture page")
        context.update(_citizen_context(request, citizen), citizen_loaded=True)
    return render(request, "enrollment/capture.html", context)


@login_required
@require_GET
@camera
@blob_images
def capture_search(request):
    """Twelve digits go straight to the record; a name (with a birth year) gives a ranked list."""
    _require_capture(request.user)
    query = request.GET.get("q", "").strip()[:140]
    year_text = request.GET.get("birth_year", "").strip()
    birth_year = int(year_text) if year_text.isdigit() and 1850 <= int(year_text) <= 2200 else None
    citizens, more = [], False
    if query or birth_year:
        result = registry_selectors.search_citizens(request.user, query, birth_year=birth_year,
                                                    limit=SEARCH_SHOWN)  # fmt: skip
        citizens, more = result.citizens, result.truncated
        registry_events.citizens_searched(request.user, query=query, birth_year=birth_year,
                                          returned=[c.id_number for c in citizens])  # fmt: skip
    if idnumber.is_valid(query) and len(citizens) == 1:
        return _show_citizen(request, citizens[0])
    context = {"citizens": citizens, "more": more, "searched": bool(query or birth_year), "query": query,
               "birth_year": year_text, "bad_year": bool(year_text) and birth_year is None}  # fmt: skip
    if request.htmx:
        return render(request, "enrollment/capture_results.html", context)
    return render(request, "enrollment/capture.html", {**_page_context(request), **context})


def _show_citizen(request, citizen):
    registry_actions.record_read(request.user, citizen, what="capture page")
    context = _citizen_context(request, citizen)
    if request.htmx:
        response = render(request, "enrollment/capture_citizen.html", context)
        # the search answered with a record: it goes where records go, and the list empties
        response["HX-Retarget"] = "#citizen"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(
        request, "enrollment/capture.html", {**_page_context(request), **context, "citizen_loaded": True}
    )


@login_required
@require_GET
@camera
@blob_images
def capture_citizen(request, id_number: str):
    _require_capture(request.user)
    return _show_citizen(request, _citizen(request.user, id_number))


@login_required
@require_POST
@camera
@blob_images
def capture_correct(request, id_number: str):
    """A correction becomes a change request; the application waits for a supervisor's approval of it."""
    _require_capture(request.user)
    citizen = _citizen(request.user, id_number)
    raw = {}
    for field in _correction_context(citizen):
        submitted = request.POST.get(field["name"], field["value"]).strip()
        if submitted != str(field["value"]):
            raw[field["name"]] = submitted
    reason = request.POST.get("correction_reason", "")
    try:
        change = request_change(request.user, citizen, raw, reason=reason)
    except registry_actions.RegistryError as error:
        problems: dict[str, list] = {}
        for problem in error.problems:
            problems.setdefault(problem.field if problem.field in CORRECTABLE else "reason", []).append(
                problem
            )
        typed = {name: request.POST.get(name, "").strip() for name in CORRECTABLE if name in request.POST}
        context = _data_context(citizen, correct=_correction_context(citizen, typed=typed, problems=problems),
                                reason_problems=problems.get("reason", []), correction_reason=reason[:300],
                                correction_open=True)  # fmt: skip
        return _correction_answer(request, citizen, context, status=422)
    return _correction_answer(request, citizen, _data_context(citizen, change=change, changed=sorted(raw)))


def _correction_answer(request, citizen, context: dict, status: int = 200):
    if request.htmx:
        return render(request, "enrollment/capture_correct.html", context, status=status)
    page = {**_page_context(request), **_citizen_context(request, citizen), **context, "citizen_loaded": True}
    return render(request, "enrollment/capture.html", page, status=status)


def _opened_at(text: str) -> datetime | None:
    try:
        moment = parse_datetime((text or "")[:40])
    except ValueError:  # well formed but impossible (30 February, 25 o'clock): as if not given
        return None
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _read_upload(request, name: str) -> bytes | None:
    upload = request.FILES.get(name)
    if upload is None or not upload.size:
        return None
    return upload.read(MAX_IMAGE_BYTES + 1)  # one byte over the limit is enough for intake to refuse it


@login_required
@require_POST
@camera
@blob_images
def capture_submit(request):
    _require_capture(request.user)
    id_number = request.POST.get("id_number", "")
    kind, _, reason = request.POST.get("kind_reason", "").partition(":")
    fingerprints, exceptions = {}, {}
    for position in range(1, 11):
        exception = request.POST.get(f"exception_{position}", "")
        if exception:
            exceptions[str(position)] = exception
        elif (data := _read_upload(request, f"finger_{position}")) is not None:
            fingerprints[str(position)] = data
    try:
        application, created = submit_application(
            request.user, idempotency_key=request.POST.get("idempotency_key", ""), id_number=id_number,
            kind=kind, reason=reason, portrait=_read_upload(request, "portrait"), fingerprints=fingerprints,
            finger_exceptions=exceptions, portrait_override_reason=request.POST.get("portrait_override_reason", ""),
            opened_at=_opened_at(request.POST.get("opened_at", "")),
        )  # fmt: skip
    except EnrollmentError as error:
        return _refused(request, error, id_number)
    except PermissionDenied as error:
        raise Forbidden(str(error)) from error
    context = {"application": application, "created": created, "stage_label": application.get_stage_display(),
               "change_pending": pending_for(application.citizen_id),
               "kind": KIND_LABELS.get(application.kind), "reason": REASON_LABELS.get(application.reason_code)}  # fmt: skip
    if request.htmx:
        return render(request, "enrollment/capture_done.html", context, status=201 if created else 200)
    return render(request, "enrollment/capture.html", {**_page_context(request), **context, "done": True},
                  status=201 if created else 200)  # fmt: skip


def _error_field(error: EnrollmentError) -> str:
    if error.code in (Code.FINGER_SLOTS, Code.FINGER_EXCEPTION_UNKNOWN, Code.FINGER_POSITION):
        return f"finger_{error.values.get('position')}"
    if error.code is Code.IMAGE_TOO_LARGE:
        where = str(error.values.get("field", ""))
        return "portrait" if where == "portrait" else "finger_" + where.rpartition(".")[2]
    return FIELD_OF.get(error.code, "form")


def _refused(request, error: EnrollmentError, id_number: str):
    """The refusal beside its field. With htmx only the messages are swapped in (out of band), so the
    images already taken stay in the form; a plain post gets the page again with what was typed."""
    field = _error_field(error)
    message = {"vi": error.message_vi, "en": error.message_en, "code": str(error.code)}
    if request.htmx:
        response = render(request, "enrollment/capture_refused.html", {"field": field, "message": message},
                          status=422)  # fmt: skip
        response["HX-Reswap"] = "none"  # the form stays as it is: only the message goes in, out of band
        return response
    context = _page_context(request)
    context["idempotency_key"] = request.POST.get("idempotency_key", "")[:80] or context["idempotency_key"]
    context["opened_at"] = request.POST.get("opened_at", "")[:40] or context["opened_at"]
    try:
        citizen = access_citizen_by_id_number(request.user, id_number, Verb.APPLICATION_CREATE, where="")
    except (NotFound, PermissionDenied):
        context.update(form_error=message)
        return render(request, "enrollment/capture.html", context, status=422)
    typed = {key: request.POST.get(key, "")[:300] for key in ("kind_reason", "portrait_override_reason")}
    typed |= {f"exception_{p}": request.POST.get(f"exception_{p}", "") for p in range(1, 11)}
    errors = {field: message}
    context.update(_citizen_context(request, citizen, typed=typed, errors=errors), citizen_loaded=True)
    return render(request, "enrollment/capture.html", context, status=422)
