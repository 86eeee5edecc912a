"""Campaign pages (Vietnamese first, dd/mm/yyyy, numbers as 20.000): the dashboard of a unit (coverage
heat table of its children, ranking, the day each reached 100 %, progress and throughput charts drawn as
SVG on the server, the forecast), the outstanding list by household with its exports and visit outcomes,
the daily report (PDF, XLSX), the mobile-team plan with the station simulation, announcements. Thin:
reads through ``access`` and ``selectors``, writes through ``actions``; the dashboard reads kept counts."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cancuoc.accounts.permissions import NotFound, PermissionDenied, Verb, has_permission
from cancuoc.registry.validation import parse_date
from cancuoc.units.models import Level, Structure
from cancuoc.web.language import in_language

from . import actions, charts, events, exports, selectors, simulation
from .access import access_area, home_area
from .errors import CampaignError
from .errors import CampaignErrorCode as Code
from .models import Announcement, Condition, FoldCursor, Outcome, PlaceKind, Slot, Team, TeamVisit
from .status import ACTION_WORDS, OUTCOME_WORDS, REASON_WORDS, Reason, percent, vietnamese_number


def _page(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except PermissionDenied:
            raise DjangoPermissionDenied from None

    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return login_required(wrapped)


def _code(text) -> str:
    """A team or unit code from a form: letters, digits, "-", "." only (anything else matches nothing)."""
    text = str(text or "").strip()[:20]
    return text if all(char.isalnum() or char in "-._" for char in text) else ""


def _say(request, error: CampaignError) -> None:
    messages.error(request, in_language(error.message_vi, error.message_en))


def _area(request, verb: Verb = Verb.CAMPAIGN_READ, *, fall_back: bool = False) -> selectors.Area:
    """The area the request names (``unit``), else the officer's own. A code that names no unit, or one outside
    the officer's area (the two look the same), is refused; with ``fall_back`` (pages only, never an action
    or a download) the officer's own area is shown instead, with the reason above it."""
    code = (request.GET.get("unit") or request.POST.get("unit") or "").strip()[:20]
    if not code:
        return access_area(request.user, home_area(request.user), verb)
    try:
        return access_area(request.user, selectors.find_area(code), verb)
    except NotFound:
        if not fall_back:
            raise
    _say(request, CampaignError(Code.UNIT_NOT_FOUND, code=code))
    return access_area(request.user, home_area(request.user), verb)


def _words(pair) -> str:
    return in_language(*pair)


def _query(area) -> str:
    return urlencode(
        {"unit": area.code if not area.unit or area.unit.structure == Structure.Y2025 else f"cũ:{area.code}"}
    )


@_page
def dashboard(request):
    area = _area(request, fall_back=True)
    own, rows = selectors.unit_rows(area)
    today = timezone.localdate()
    history = selectors.series(area.roots, days=60)
    target = own.values.get("target", 0)
    progress = charts.line_chart([(f"{day:%d/%m}", values.get("covered", 0)) for day, values in history],
                                 title=_("Covered citizens, last 60 days"), top=max(target, 1),
                                 top_label=vietnamese_number(target), target=target)  # fmt: skip
    flow = selectors.throughput(area.roots, days=14)
    throughput_svg = charts.bar_chart([(f"{day:%d/%m}", count) for day, count in flow["days"]],
                                      title=_("Applications per day, last 14 days"),
                                      top_label=vietnamese_number(max((c for _d, c in flow["days"]), default=0)))  # fmt: skip
    events.report_viewed(request.user, unit_path=area.path, what="campaign dashboard")
    for row in rows:
        row.heat, row.coverage_text = min(10, int(row.coverage * 10)), percent(row.coverage)
    return render(request, "campaigns/dashboard.html", {
        "area": area, "own": own, "rows": rows, "ranking": sorted(rows, key=lambda r: r.rank)[:10],
        "progress_svg": mark_safe(progress), "throughput_svg": mark_safe(throughput_svg),  # noqa: S308 (escaped by charts)
        "flow": flow, "today": today, "collected_today": selectors.collected(area.roots, today),
        "forecast": selectors.completion_forecast(area.roots, own.values), "coverage_text": percent(own.coverage),
        "query": _query(area), "is_commune": area.unit is not None and area.unit.level == Level.COMMUNE,
        "folded_at": FoldCursor.objects.filter(pk=1).values_list("folded_at", flat=True).first(),
        "may_plan": has_permission(request.user, Verb.CAMPAIGN_PLAN),
        "reasons": [(_words(REASON_WORDS[reason]), own.values.get(f"out_{reason}", 0)) for reason in REASON_WORDS
                    if reason != Reason.TURNING_14],
    })  # fmt: skip


OUTSTANDING_SHOWN = 2000  # a page a team can work from; the XLSX and PDF exports hold the whole list


@_page
def outstanding(request):
    area = _area(request, fall_back=True)
    reason = request.GET.get("reason", "")[:20]
    rows = selectors.outstanding(area, reason=reason, limit=OUTSTANDING_SHOWN + 1)
    truncated = len(rows) > OUTSTANDING_SHOWN  # said on the page: the export holds everyone
    rows = rows[:OUTSTANDING_SHOWN]
    events.outstanding_exported(
        request.user, unit_path=area.path, what="outstanding list viewed", count=len(rows)
    )
    households = []
    for row in rows:
        key = (row.household, row.address)
        if not households or households[-1][0] != key:
            households.append((key, []))
        row.last_visit_text = _words(OUTCOME_WORDS[row.last_visit]) if row.last_visit in OUTCOME_WORDS else ""
        households[-1][1].append((row, _words(REASON_WORDS[row.reason]), _words(ACTION_WORDS[row.action])))
    teams = (
        Team.objects.filter(unit_path__startswith=area.path, active=True)
        if area.unit
        else Team.objects.none()
    )
    return render(request, "campaigns/outstanding.html", {
        "area": area, "households": households, "count": len(rows), "reason": reason, "query": _query(area),
        "truncated": truncated,
        "reasons": [(r.value, _words(REASON_WORDS[r])) for r in Reason], "teams": teams,
        "may_plan": has_permission(request.user, Verb.CAMPAIGN_PLAN),
        "may_visit": has_permission(request.user, Verb.VISIT_RECORD),
    })  # fmt: skip


@_page
def outstanding_export(request, file_format: str):
    if file_format not in ("xlsx", "pdf"):
        raise NotFound()
    area = _area(request)
    rows = selectors.outstanding(area, reason=request.GET.get("reason", "")[:20])
    team_code = request.GET.get("team", "")[:20]
    if team_code:
        rows = [row for row in rows if row.team == team_code]
    events.outstanding_exported(
        request.user, unit_path=area.path, what=f"outstanding list {file_format}", count=len(rows)
    )
    if file_format == "xlsx":
        body, kind = (
            exports.outstanding_xlsx(area, rows),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        body, kind = exports.outstanding_pdf(area, rows, team=team_code), "application/pdf"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="chua-thu-nhan-{area.code}.{file_format}"'
    return response


@_page
@require_POST
def assign(request):
    area = _area(request, Verb.CAMPAIGN_PLAN)
    team = Team.objects.filter(code=_code(request.POST.get("team")), unit_path__startswith=area.path).first()
    if team is None:
        _say(request, CampaignError(Code.TEAM_NOT_FOUND))
        return redirect(reverse("campaign-outstanding") + "?" + _query(area))
    numbers = [n.strip() for n in request.POST.getlist("id_number")[:2000] if n.strip()]
    from cancuoc.registry.models import Citizen

    citizens = list(
        Citizen.objects.filter(id_number__in=[n for n in numbers if len(n) == 12 and n.isdigit()])
    )
    try:
        count = actions.assign(request.user, team, citizens)
    except CampaignError as error:
        _say(request, error)
    except NotFound:
        _say(request, CampaignError(Code.CITIZEN_NOT_FOUND))
    else:
        messages.success(
            request, _("%(count)s citizens assigned to team %(team)s.") % {"count": count, "team": team.code}
        )
    return redirect(reverse("campaign-outstanding") + "?" + _query(area))


@_page
def visit(request, id_number: str):
    """Record a visit's outcome (or a condition) for one citizen of the area."""
    citizen = actions.find_citizen(request.user, id_number, Verb.VISIT_RECORD)
    if request.method == "POST":
        try:
            if request.POST.get("condition"):
                actions.record_condition(request.user, citizen, request.POST["condition"][:10],
                                         reason=request.POST.get("note", ""))  # fmt: skip
            else:
                day = (
                    parse_date(request.POST.get("visited_on", "")[:20])
                    if request.POST.get("visited_on")
                    else None
                )
                died = request.POST.get("died_on", "").strip()[:20]
                try:
                    died_on = parse_date(died) if died else None
                except ValueError:
                    raise CampaignError(Code.DEATH_DATE_REQUIRED) from None
                actions.record_visit(request.user, citizen, request.POST.get("outcome", "")[:10], visited_on=day,
                                     note=request.POST.get("note", ""), moved_to=request.POST.get("moved_to", ""),
                                     moved_address=request.POST.get("moved_address", ""), died_on=died_on,
                                     idempotency_key=request.POST.get("key", ""))  # fmt: skip
        except CampaignError as error:
            _say(request, error)
        except ValueError:
            error = CampaignError(Code.DATE_INVALID, value=request.POST.get("visited_on", "")[:20])
            _say(request, error)
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("campaign-visit", id_number=citizen.id_number)
    from .models import Visit

    return render(request, "campaigns/visit.html", {
        "citizen": citizen, "outcomes": Outcome.choices, "conditions": Condition.Kind.choices,
        "visits": Visit.objects.filter(citizen=citizen).select_related("officer", "change_request")[:20],
        "key": timezone.now().strftime("%Y%m%d%H%M%S%f"), "today": timezone.localdate(),
    })  # fmt: skip


def _report_lines(area):
    today = timezone.localdate()
    own, rows = selectors.unit_rows(area)
    collected = selectors.collected_per_area([row.area for row in rows], area.roots, today)
    lines = [exports.ReportLine(row, collected[row.area.code]) for row in sorted(rows, key=lambda r: r.rank)]
    return today, exports.ReportLine(own, selectors.collected(area.roots, today)), lines


@_page
def daily_report(request, file_format: str):
    if file_format not in ("xlsx", "pdf"):
        raise NotFound()
    area = _area(request)
    today, total, lines = _report_lines(area)
    events.report_viewed(request.user, unit_path=area.path, what=f"daily report {file_format}")
    if file_format == "xlsx":
        body, kind = exports.daily_report_xlsx(area, today, total, lines), \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # fmt: skip
    else:
        body, kind = exports.daily_report_pdf(area, today, total, lines), "application/pdf"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = (
        f'attachment; filename="bao-cao-{area.code}-{today:%d-%m-%Y}.{file_format}"'
    )
    return response


def _int(text, default: int, low: int, high: int) -> int:
    """A number chosen on a page's controls (simulation, forecast): bounded, the default when unreadable."""
    try:
        value = int(str(text)[:6])
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def _typed_int(text, default: int | None = None):
    """A number an officer typed into a form that saves it: refused by the action when out of range, never
    silently changed (an empty field takes ``default``; unreadable text is -1, which every range refuses)."""
    text = str(text if text is not None else "").strip()[:7]
    if not text and default is not None:
        return default
    try:
        return int(text)
    except ValueError:
        return -1


@_page
def plan(request):
    """Teams and their calendar for the next two weeks, the forecast, and the simulation: officers per shift
    to finish the area's outstanding citizens by a date, at 5 and at 3 minutes per application."""
    area = _area(request, fall_back=True)
    own, _rows = selectors.unit_rows(area)
    today = timezone.localdate()
    try:
        by = (
            parse_date(request.GET.get("by", "")[:20])
            if request.GET.get("by")
            else today + timedelta(days=30)
        )
    except ValueError:
        by = None
    by = by or today + timedelta(days=30)
    shifts = _int(request.GET.get("shifts"), 2, 1, 4)
    outstanding_count = max(own.values.get("target", 0) - own.values.get("covered", 0), 0)
    days = max((by - today).days, 0)
    plans = [(minutes, simulation.officers_needed(outstanding=outstanding_count, days=days, minutes_per_application=minutes,
                                                   shifts=shifts, shift_hours=4)) for minutes in (5, 3)]  # fmt: skip
    officers = _int(request.GET.get("officers"), 3, 1, 50)
    arrivals = _int(request.GET.get("arrivals"), 40, 1, 500)
    day_results = [(minutes, simulation.simulate(officers=officers, minutes_per_application=minutes,
                                                 arrivals_per_hour=arrivals, hours=8, seed=1)) for minutes in (5, 3)]  # fmt: skip
    teams = Team.objects.filter(unit_path__startswith=area.path) if area.unit else Team.objects.all()
    calendar = TeamVisit.objects.filter(team__in=teams, day__gte=today, day__lte=today + timedelta(days=13)) \
        .select_related("team", "unit").order_by("day", "slot", "team__code")  # fmt: skip
    events.report_viewed(request.user, unit_path=area.path, what="campaign plan")
    return render(request, "campaigns/plan.html", {
        "area": area, "own": own, "query": _query(area), "by": by, "shifts": shifts, "plans": plans,
        "outstanding": outstanding_count, "days": days, "officers": officers, "arrivals": arrivals,
        "day_results": day_results, "teams": teams[:100], "calendar": calendar[:500],
        "forecast": selectors.completion_forecast(area.roots, own.values), "slots": Slot.choices,
        "places": PlaceKind.choices, "may_plan": has_permission(request.user, Verb.CAMPAIGN_PLAN), "today": today,
    })  # fmt: skip


@_page
@require_POST
def plan_change(request):
    """Create a team or put a team in a place for a slot (supervisors)."""
    area = _area(request, Verb.CAMPAIGN_PLAN)
    from cancuoc.units.models import AdministrativeUnit

    try:
        if request.POST.get("what") == "team":
            if area.unit is None:
                raise CampaignError(Code.NOT_A_COMMUNE)
            actions.create_team(request.user, code=request.POST.get("code", ""), name=request.POST.get("name", ""),
                                unit=area.unit, officers=_typed_int(request.POST.get("officers"), 2),
                                minutes_per_application=_typed_int(request.POST.get("minutes"), 5))  # fmt: skip
        else:
            team = Team.objects.filter(code=_code(request.POST.get("team"))).first()
            if team is None:
                raise CampaignError(Code.TEAM_NOT_FOUND)
            unit = AdministrativeUnit.objects.filter(code=_code(request.POST.get("commune"))[:8].zfill(5),
                                                     level=Level.COMMUNE, structure=Structure.Y2025).first()  # fmt: skip
            if unit is None:
                raise CampaignError(Code.NOT_A_COMMUNE)
            try:
                day = parse_date(request.POST.get("day", "")[:20])
            except ValueError:
                day = None
            if day is None:
                raise CampaignError(Code.DATE_INVALID, value=request.POST.get("day", "")[:20])
            slot = request.POST.get("slot", "")[:10]
            expected = _typed_int(request.POST.get("expected"), 0)
            if not 0 <= expected <= 100_000:
                raise CampaignError(Code.NUMBER_INVALID, name="expected", low=0, high=100_000)
            if not expected and slot in Slot.values:
                expected = actions.capacity_of(team, slot)
            actions.plan_visit(request.user, team, day=day, slot=slot, unit=unit,
                               place_kind=request.POST.get("place_kind", "")[:14],
                               place_name=request.POST.get("place_name", ""), expected=expected)  # fmt: skip
    except CampaignError as error:
        _say(request, error)
    except NotFound:
        _say(request, CampaignError(Code.UNIT_NOT_FOUND, code=request.POST.get("commune", "")[:8]))
    else:
        messages.success(request, _("Plan saved."))
    return redirect(reverse("campaign-plan") + "?" + _query(area))


def _flyer_text(text, default: str) -> str:
    try:
        return actions.clean_text(text, limit=actions.ANNOUNCEMENT_LIMIT) or default
    except CampaignError:
        return default


@_page
def announce(request):
    area = _area(request)
    if area.unit is None or area.unit.level != Level.COMMUNE:
        raise NotFound()
    today = timezone.localdate()
    visits = list(
        TeamVisit.objects.filter(unit=area.unit, day__gte=today)
        .select_related("team")
        .order_by("day", "slot")[:30]
    )
    default_vi = ("Công an xã thông báo: tổ lưu động thu nhận hồ sơ cấp thẻ căn cước cho công dân từ đủ 14 tuổi theo "
                  "lịch dưới đây. Đề nghị công dân chưa làm thủ tục đến đúng địa điểm.")  # fmt: skip
    default_en = ("The commune police: the mobile team takes identity-card applications from citizens aged 14 and over "
                  "on the schedule below. Citizens who have not yet applied are asked to come.")  # fmt: skip
    if request.method == "POST":
        try:
            announcement = actions.send_announcement(request.user, area.unit, body_vi=request.POST.get("body_vi", ""),
                                                     body_en=request.POST.get("body_en", ""))  # fmt: skip
        except CampaignError as error:
            _say(request, error)
        else:
            messages.success(
                request, _("Announcement queued to %(count)s households.") % {"count": announcement.queued}
            )
            return redirect(reverse("campaign-announce") + "?" + _query(area))
    if request.GET.get("format") == "pdf":
        body = exports.flyer_pdf(area.unit.full_name(), visits, _flyer_text(request.GET.get("body_vi"), default_vi),
                                 _flyer_text(request.GET.get("body_en"), default_en))  # fmt: skip
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="thong-bao-{area.code}.pdf"'
        return response
    return render(request, "campaigns/announce.html", {
        "area": area, "visits": visits, "query": _query(area), "body_vi": default_vi, "body_en": default_en,
        "sent": Announcement.objects.filter(unit=area.unit).order_by("-created_at")[:10],
        "may_plan": has_permission(request.user, Verb.CAMPAIGN_PLAN),
    })  # fmt: skip
