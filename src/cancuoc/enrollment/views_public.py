"""The citizen's pages, no login: book an appointment at a station (``/dat-lich/``), cancel it
(``/dat-lich/huy/``), see where an application stands (``/tra-cuu/``).

Thin: each reads its form, counts the attempt against the rate limits (per client address and per ID
number or code), calls ``booking`` and shows the answer in Vietnamese with English below it. Nothing that
identifies a person travels in a URL: the place and the day are chosen with GET, the ID number, the date
of birth and the codes are POSTed (CSRF on, as everywhere). The site has no login middleware (officer
pages carry ``login_required`` each), so these views are public by not carrying it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import segno
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cancuoc.registry.validation import parse_date
from cancuoc.web import ratelimit

from . import booking
from .errors import BlockingReason, EnrollmentError
from .errors import EnrollmentErrorCode as Code
from .models import Application, Appointment, Station

Stage = Application.Stage
SESSION_KEY = "cancuoc_public_booked"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Where an application stands, in the citizen's words: the steps they see, and each stage's step.
STEPS = (
    ("Đã tiếp nhận hồ sơ", "Application received"),
    ("Đang kiểm tra, đối chiếu", "Being checked"),
    ("Chờ phê duyệt", "Waiting for approval"),
    ("Đã duyệt, đang sản xuất thẻ", "Approved: the card is being made"),
)
STAGE_WORDS: dict[str, tuple[int, str, str]] = {
    Stage.COMPLETENESS: (0, "Hồ sơ đã được tiếp nhận và đang được kiểm tra tính đầy đủ",
                         "Your application was received and is being checked for completeness"),
    Stage.DEMOGRAPHIC_CHECK: (1, "Đang đối chiếu thông tin của bạn với Cơ sở dữ liệu quốc gia về dân cư",
                              "Your data is being compared with the national population database"),
    Stage.BIOMETRIC_CHECK: (1, "Đang đối chiếu vân tay", "Your fingerprints are being compared"),
    Stage.ADJUDICATION: (1, "Cán bộ đang kiểm tra thêm hồ sơ", "An officer is checking your application further"),
    Stage.APPROVAL: (2, "Hồ sơ đã qua các bước kiểm tra, đang chờ lãnh đạo phê duyệt",
                     "Your application passed its checks and waits for a supervisor's approval"),
    Stage.READY_FOR_PRODUCTION: (3, "Hồ sơ đã được duyệt: thẻ căn cước của bạn đang được sản xuất",
                                 "Your application was approved: your identity card is being made"),
    Stage.REJECTED: (-1, "Hồ sơ không được chấp nhận", "The application was not accepted"),
}  # fmt: skip
# Why it waits, or why it was refused, without the officers' details (another person's number, a count
# of suspected duplicates, a supervisor's note): what the citizen can understand and act on.
WAITING_WORDS: dict[str, tuple[str, str]] = {
    BlockingReason.CHANGE_REQUEST_PENDING: ("Đang chờ duyệt việc điều chỉnh thông tin của bạn",
                                            "Waiting for the correction of your data to be approved"),
    BlockingReason.PORTRAIT_FAILED: ("Ảnh chân dung chưa đạt yêu cầu: hãy đến điểm thu nhận để chụp lại",
                                     "The portrait did not meet the requirements: come back to the station for a new one"),
    BlockingReason.FINGERPRINTS_FAILED: ("Vân tay chưa đạt yêu cầu: hãy đến điểm thu nhận để lấy lại",
                                         "The fingerprints did not meet the requirements: come back to the station to give them again"),
    BlockingReason.DEMOGRAPHIC_CANDIDATES: ("Thông tin cần được cán bộ xác minh thêm",
                                            "An officer needs to verify some of your data"),
    BlockingReason.BIOMETRIC_PENDING: ("Đang chờ kết quả đối chiếu vân tay", "Waiting for the fingerprint comparison"),
    BlockingReason.BIOMETRIC_CANDIDATES: ("Vân tay cần được cán bộ xác minh thêm",
                                          "An officer needs to verify your fingerprints"),
    BlockingReason.ENGINE_RETRY: ("Hệ thống đang xử lý lại, bạn không cần làm gì",
                                  "The system is processing it again: nothing for you to do"),
    BlockingReason.AWAITING_APPROVAL: ("Chờ lãnh đạo phê duyệt", "Waiting for a supervisor's approval"),
    BlockingReason.CONFIRMED_DUPLICATE: ("Thông tin trùng với một hồ sơ đã có: hãy liên hệ điểm thu nhận",
                                         "Your data matches an existing record: contact the station"),
    BlockingReason.REJECTED_BY_SUPERVISOR: ("Lãnh đạo không phê duyệt: hãy liên hệ điểm thu nhận để biết lý do",
                                            "A supervisor did not approve it: contact the station to learn why"),
}  # fmt: skip
WHAT_TO_BRING = (
    ("Thẻ căn cước, thẻ căn cước công dân hoặc chứng minh nhân dân cũ (nếu có)",
     "Your old identity card or ID card, if you have one"),
    ("Giấy tờ chứng minh thông tin thay đổi (nếu có), ví dụ giấy khai sinh, quyết định thay đổi họ tên",
     "Papers proving any change of your data, if there is one (a birth certificate, a change of name)"),
    ("Người dưới 14 tuổi đi cùng cha, mẹ hoặc người giám hộ",
     "Under 14: come with a parent or guardian"),
    ("Đến sớm 10 phút; khi chụp ảnh không đeo kính, để lộ trán và hai tai",
     "Come 10 minutes early; for the photo: no glasses, forehead and ears visible"),
)  # fmt: skip


@dataclass
class Refusal:
    """A refusal shown on the page: both languages, and the field it belongs to (if any)."""

    message_vi: str
    message_en: str
    field: str = ""

    @classmethod
    def of(cls, error: EnrollmentError, field: str = "") -> Refusal:
        return cls(error.message_vi, error.message_en, field)


# -- helpers --------------------------------------------------------------------------------------------------
def _birth_date(text: str) -> date:
    text = (text or "").strip()
    if len(text) == 8 and text.isascii() and text.isdigit():  # ddmmyyyy: a phone's number pad has no "/"
        text = f"{text[:2]}/{text[2:4]}/{text[4:]}"
    try:
        value = parse_date(text[:20]) if len(text) <= 20 else None
    except ValueError:
        value = None
    if value is None or value > timezone.localdate():
        raise EnrollmentError(Code.DATE_INVALID, value=text[:20] or "—")
    return value


def _id_number(text: str) -> str:
    return "".join((text or "").split())[:20]  # spaces typed between groups of digits are not part of it


def _code(text: str) -> str:
    return "".join((text or "").split()).upper()[:20]


def _too_many(request, refused: ratelimit.RateLimited) -> HttpResponse:
    error = EnrollmentError(Code.TOO_MANY_ATTEMPTS, seconds=refused.retry_after)
    response = render(request, "enrollment/public_too_many.html",
                      {"code": str(error.code), "message_vi": error.message_vi, "message_en": error.message_en,
                       "language_next": request.path}, status=429)  # fmt: skip
    response["Retry-After"] = str(refused.retry_after)
    return response


def _day_label(day: date) -> tuple[str, str]:
    return f"{WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}", f"{WEEKDAYS_EN[day.weekday()]} {day:%d/%m/%Y}"


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _choices(params) -> dict:
    """The place and day chosen so far (GET, or the hidden fields of the booking form): each one only if it
    fits the ones before it, so a changed province clears the station and a changed station the day."""
    provinces = booking.stations_by_province()
    province_pk = _int(params.get("province"))
    province = next((p for p in provinces if p.pk == province_pk), None)
    station = None
    if province is not None:
        wanted = str(params.get("station", ""))[:20]
        station = next((s for s in province.stations if s.code == wanted), None)
        if station is None and len(province.stations) == 1:
            station = province.stations[0]
    days, day, slots = [], None, []
    if station is not None:
        days = booking.days_with_free_slots(station)
        try:
            asked = date.fromisoformat(str(params.get("day", ""))[:10])
        except ValueError:
            asked = None
        day = asked if asked in days else (days[0] if len(days) == 1 else None)
        if day is not None:
            slots = [(slot, slot.capacity - slot.booked) for slot in booking.free_slots(station, day)]
    communes: dict[str, list[Station]] = {}
    for each in province.stations if province else ():
        communes.setdefault(each.unit.name, []).append(each)
    return {
        "provinces": provinces, "province": province, "communes": sorted(communes.items()), "station": station,
        "days": [(d, *_day_label(d)) for d in days], "day": day, "day_label": _day_label(day) if day else None,
        "slots": slots,
    }  # fmt: skip


# -- booking ----------------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def book(request):
    if request.method == "GET":
        context = _choices(request.GET)
        if request.htmx and not request.htmx.history_restore_request:
            return render(request, "enrollment/public_booking_steps.html", context)
        return render(request, "enrollment/public_booking.html", context)
    typed = {"id_number": _id_number(request.POST.get("id_number", "")),
             "birth_date": str(request.POST.get("birth_date", ""))[:20], "slot": _int(request.POST.get("slot"))}  # fmt: skip
    try:
        ratelimit.check(request, "booking", identity=typed["id_number"] or None)
    except ratelimit.RateLimited as refused:
        return _too_many(request, refused)
    try:
        born = _birth_date(typed["birth_date"])
        if typed["slot"] is None:
            raise EnrollmentError(Code.SLOT_UNKNOWN)
        appointment = booking.book(typed["id_number"], born, typed["slot"])
    except EnrollmentError as error:
        field = {Code.DATE_INVALID: "birth_date", Code.IDENTITY_NOT_PROVEN: "id_number",
                 Code.SLOT_FULL: "slot", Code.SLOT_UNKNOWN: "slot"}.get(error.code, "")  # fmt: skip
        context = {**_choices(request.POST), "typed": typed, "refusal": Refusal.of(error, field)}
        status = 409 if error.code in (Code.SLOT_FULL, Code.APPOINTMENT_EXISTS) else 422
        return render(request, "enrollment/public_booking.html", context, status=status)
    request.session[SESSION_KEY] = appointment.code
    return redirect("public-booking-done")


@require_GET
def booked(request):
    """The confirmation after booking (post/redirect/get): the code is kept in the visitor's session only,
    so the page cannot be opened by guessing an address."""
    code = request.session.get(SESSION_KEY)
    appointment = (Appointment.objects.select_related("slot__station__unit").filter(code=code).first()
                   if isinstance(code, str) else None)  # fmt: skip
    if appointment is None:
        return redirect("public-booking")
    starts = timezone.localtime(appointment.slot.starts_at)
    return render(request, "enrollment/public_booked.html", {
        "appointment": appointment, "station": appointment.slot.station, "starts": starts,
        "day_label": _day_label(starts.date()), "qr_svg": _qr_svg(appointment.code), "bring": WHAT_TO_BRING,
    })  # fmt: skip


def _qr_svg(code: str) -> str:
    """The code as an inline SVG QR (no data: URL, which the Content-Security-Policy refuses; no second
    request): dark modules on white, scaled by the page's CSS."""
    svg = segno.make(code, error="m", micro=False).svg_inline(scale=4, light="#fff", omitsize=True,
                                                              svgclass="booking-qr", lineclass=None)  # fmt: skip
    return svg.replace("<svg ", f'<svg role="img" aria-label="Mã QR {code} / QR code {code}" width="164" '
                                f'height="164" ', 1)  # fmt: skip


# -- cancelling ---------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def cancel(request):
    if request.method == "GET":
        return render(request, "enrollment/public_cancel.html", {"typed": {}})
    typed = {"code": _code(request.POST.get("code", "")), "id_number": _id_number(request.POST.get("id_number", "")),
             "birth_date": str(request.POST.get("birth_date", ""))[:20]}  # fmt: skip
    try:
        ratelimit.check(request, "cancel", identity=typed["code"] or None)
    except ratelimit.RateLimited as refused:
        return _too_many(request, refused)
    try:
        appointment = booking.cancel(typed["code"], typed["id_number"], _birth_date(typed["birth_date"]))
    except EnrollmentError as error:
        field = "birth_date" if error.code == Code.DATE_INVALID else ""
        return render(request, "enrollment/public_cancel.html",
                      {"typed": typed, "refusal": Refusal.of(error, field)},
                      status=404 if error.code == Code.APPOINTMENT_NOT_FOUND else 422)  # fmt: skip
    if request.session.get(SESSION_KEY) == appointment.code:
        del request.session[SESSION_KEY]
    starts = timezone.localtime(appointment.slot.starts_at)
    return render(request, "enrollment/public_cancel.html", {
        "typed": {}, "cancelled": appointment, "station": appointment.slot.station, "starts": starts,
        "day_label": _day_label(starts.date()),
    })  # fmt: skip


# -- the status of an application ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def status(request):
    if request.method == "GET":
        return render(request, "enrollment/public_status.html", {"typed": {}})
    typed = {
        "code": _code(request.POST.get("code", "")),
        "birth_date": str(request.POST.get("birth_date", ""))[:20],
    }
    try:
        ratelimit.check(request, "status", identity=typed["code"] or None)
    except ratelimit.RateLimited as refused:
        return _too_many(request, refused)
    try:
        application = booking.application_status(typed["code"], _birth_date(typed["birth_date"]))
    except EnrollmentError as error:
        field = "birth_date" if error.code == Code.DATE_INVALID else ""
        return render(request, "enrollment/public_status.html",
                      {"typed": typed, "refusal": Refusal.of(error, field),
                       "not_found": error.code == Code.APPLICATION_NOT_FOUND},
                      status=404 if error.code == Code.APPLICATION_NOT_FOUND else 422)  # fmt: skip
    return render(
        request, "enrollment/public_status.html", {"typed": {}, "answer": _status_answer(application)}
    )


def _status_answer(application: Application) -> dict:
    step, now_vi, now_en = STAGE_WORDS[application.stage]
    waiting = WAITING_WORDS.get(application.blocking_code) if application.blocking_code else None
    if application.stage == Stage.READY_FOR_PRODUCTION:
        waiting = None  # "approved" is a step, not something it waits for
    steps = [{"vi": vi, "en": en, "done": index < step, "current": index == step}
             for index, (vi, en) in enumerate(STEPS)]  # fmt: skip
    return {
        "code": application.code, "now_vi": now_vi, "now_en": now_en, "rejected": step < 0,
        "steps": steps if step >= 0 else [], "waiting": waiting, "station": application.station,
        "return_date": application.return_date if step >= 0 else None,
        "submitted": timezone.localtime(application.submitted_at).date(),
    }  # fmt: skip
