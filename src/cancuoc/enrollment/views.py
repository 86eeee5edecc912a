"""Officer pages of enrollment: the applications of the area by stage, one application (stage, history,
blocking reason, duplicates, approval), a suspected duplicate side by side with both portraits, and the
throughput of stations and officers against the three-minute goal. Thin: reads through ``access`` and
``selectors``, writes through ``actions``."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from cancuoc.accounts.permissions import NotFound, PermissionDenied, Verb, has_permission
from cancuoc.biometrics.actions import chip_portrait
from cancuoc.registry.validation import parse_date
from cancuoc.web.language import in_language, problem_text

from . import events
from .access import access_application, scope_applications
from .actions import candidate_visible, decide, decide_duplicate
from .errors import EnrollmentError, blocking_text
from .errors import EnrollmentErrorCode as Code
from .models import Application, DuplicateCandidate

PAGE_SIZE = 50
GOAL_MINUTES = 3
COMPARED_FIELDS = ("id_number", "full_name", "birth_date", "sex", "old_id_number", "ethnicity", "birth_registration_unit",
                   "permanent_unit", "permanent_address", "father", "mother", "household")  # fmt: skip


def _found(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return login_required(wrapped)


@_found
def application_list(request):
    applications = scope_applications(request.user, Application.objects.select_related("citizen", "station"))
    stage = request.GET.get("stage", "")
    if stage in Application.Stage.values:
        applications = applications.filter(stage=stage)
    station = request.GET.get("station", "")[:20]
    if station:
        applications = applications.filter(station__code=station)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows = list(applications.order_by("-submitted_at", "-pk")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    shown = rows[:PAGE_SIZE]
    events.applications_listed(request.user, codes=[a.code for a in shown], where="application list")
    counts = dict(scope_applications(request.user, Application.objects.all())
                  .values_list("stage").order_by().annotate(n=Count("pk")))  # fmt: skip
    return render(request, "enrollment/list.html", {
        "applications": shown, "stage": stage, "station": station,
        "stages": [(value, label, counts.get(value, 0)) for value, label in Application.Stage.choices], "page": page, "has_next": len(rows) > PAGE_SIZE,
    })  # fmt: skip


@_found
def application_detail(request, code: str):
    application = access_application(request.user, code)
    events.application_viewed(request.user, application, where="application page")
    blocking = blocking_text(application.blocking_code, application.blocking_detail) \
        if application.blocking_code and application.blocking_code != "approved" else None  # fmt: skip
    may_approve = (application.stage == Application.Stage.APPROVAL and has_permission(request.user, Verb.APPLICATION_APPROVE)
                   and request.user.pk not in (application.created_by_id, application.capture.captured_by_id))  # fmt: skip
    return render(request, "enrollment/detail.html", {
        "application": application, "history": [(event, _history_text(event)) for event in application.events.select_related("actor")],
        "duplicates": [(d, candidate_visible(request.user, d))
                       for d in application.duplicates.select_related("citizen", "other_application")],
        "blocking": in_language(*blocking) if blocking else "", "may_approve": may_approve,
        "may_adjudicate": application.stage == Application.Stage.ADJUDICATION
        and has_permission(request.user, Verb.DUPLICATE_DECIDE),
        "has_portrait": application.capture is not None and application.capture.portrait is not None,
    })  # fmt: skip


@_found
@require_POST
def application_decide(request, code: str):
    try:
        decide(
            request.user,
            code,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except EnrollmentError as error:
        messages.error(request, problem_text(error))
    except PermissionDenied:
        messages.error(request, _("Your role may not approve applications."))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("application-detail", code=code)


STEP_WORDS = {"submitted": _lazy("Application taken"), "moved": "", "approved": _lazy("Approved"),
              "duplicates_cleared": _lazy("Suspected duplicates cleared")}  # fmt: skip


def _history_text(event) -> tuple[str, str]:
    """(stage, what happened) of a history entry in the reader's language."""
    from .errors import BlockingReason

    stage = Application.Stage(event.stage).label if event.stage in Application.Stage.values else event.stage
    if event.code in BlockingReason.__members__.values():
        what = in_language(*blocking_text(event.code, event.detail))
    else:
        what = str(STEP_WORDS.get(event.code, event.code))
        if event.detail and event.code not in ("approved",):
            what = f"{what} — {event.detail}" if what else event.detail
        elif event.detail:
            what = f"{what} — {event.detail}"
    return str(stage), what


def _portrait_url(application: Application | None) -> str:
    if application is None or application.capture is None or application.capture.portrait is None:
        return ""
    return reverse("application-portrait", args=[application.code])


@_found
def duplicate_review(request, code: str, candidate_id: int):
    application = access_application(request.user, code, Verb.DUPLICATE_DECIDE)
    candidate = DuplicateCandidate.objects.select_related("citizen", "other_application__capture").filter(
        application=application, pk=candidate_id).first()  # fmt: skip
    if candidate is None or not candidate_visible(request.user, candidate):
        raise Http404
    if request.method == "POST":
        try:
            answer = request.POST.get("same_person", "")
            if answer not in ("yes", "no"):
                raise EnrollmentError(Code.SAME_PERSON_UNKNOWN)
            decide_duplicate(request.user, code, candidate.pk, same_person=answer == "yes",
                             reason=request.POST.get("reason", ""))  # fmt: skip
        except EnrollmentError as error:
            messages.error(request, problem_text(error))
        else:
            from .processing import process_application

            process_application(application.pk)
            messages.success(request, _("Decision recorded."))
            return redirect("application-detail", code=code)
    other = candidate.citizen
    other_application = candidate.other_application or (
        Application.objects.select_related("capture").filter(citizen=other).exclude(pk=application.pk)
        .order_by("-submitted_at").first() if other else None)  # fmt: skip
    events.application_viewed(request.user, application, where=f"duplicate review {candidate.pk}")
    from cancuoc.registry.models import Citizen

    rows = [(Citizen._meta.get_field(field).verbose_name, _value(application.citizen, field), _value(other, field))
            for field in COMPARED_FIELDS]  # fmt: skip
    return render(request, "enrollment/duplicate.html", {
        "application": application, "candidate": candidate, "other": other, "rows": rows,
        "portrait": _portrait_url(application), "other_portrait": _portrait_url(other_application),
        "other_application": other_application,
    })  # fmt: skip


def _value(citizen, field: str) -> str:
    if citizen is None:
        return ""
    value = getattr(citizen, field, "")
    if field == "birth_date" and value:
        return value.strftime("%d/%m/%Y")
    if hasattr(value, "full_name") and callable(value.full_name):
        return value.full_name()
    if field in ("father", "mother") and value:
        return f"{value.full_name} ({value.id_number})"
    if field == "household" and value:
        return value.number
    if field == "sex":
        return citizen.get_sex_display()
    return "" if value is None else str(value)


@_found
def application_portrait(request, code: str):
    application = access_application(request.user, code)
    if application.capture is None or application.capture.portrait is None:
        raise Http404
    events.portrait_viewed(request.user, application, where="portrait image")
    return HttpResponse(chip_portrait(application.capture), content_type="image/jpeg")


@_found
def throughput(request):
    """Applications per hour and median minutes per application, per station and per officer, on a day."""
    day = _day(request.GET.get("day", "")) if request.GET.get("day") else timezone.localdate()
    if day is None:
        messages.error(request, _("The day must be a real date, dd/mm/yyyy."))
        day = timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, time.min))
    applications = list(scope_applications(request.user, Application.objects.select_related("station", "created_by"))
                        .filter(submitted_at__gte=start, submitted_at__lt=start + timedelta(days=1)))  # fmt: skip
    events.applications_listed(request.user, codes=[a.code for a in applications][:200], where="throughput")
    return render(request, "enrollment/throughput.html", {
        "day": day, "goal": GOAL_MINUTES,
        "stations": _rates(applications, lambda a: (a.station_id, f"{a.station.name} ({a.station.code})")),
        "officers": _rates(applications, lambda a: (
            a.created_by_id, f"{a.created_by.get_full_name() or a.created_by.username} ({a.created_by.username})")),
        "total": _rates(applications, lambda a: (0, _("All")))[0] if applications else None,
    })  # fmt: skip


def _rates(applications, key) -> list[dict]:
    groups = defaultdict(list)
    for application in applications:
        groups[key(application)].append(application)
    rows = []
    for (_key, name), items in sorted(groups.items(), key=lambda item: -len(item[1])):
        times = sorted(a.submitted_at for a in items)
        hours = max((times[-1] - times[0]).total_seconds() / 3600, 1.0)
        minutes = [a.capture_seconds / 60 for a in items if a.capture_seconds]
        median = statistics.median(minutes) if minutes else None
        rows.append({"name": name, "count": len(items), "per_hour": round(len(items) / hours, 1),
                     "median_minutes": round(median, 1) if median is not None else None,
                     "within_goal": median is not None and median <= GOAL_MINUTES})  # fmt: skip
    return rows


def _my_station(user):
    from .models import StationAssignment

    assignment = (
        StationAssignment.objects.select_related("station__unit").filter(officer=user, current=True).first()
    )
    return assignment.station if assignment else None


@_found
def station_queue(request):
    """The officer's queue today: check in a booked citizen, add a walk-in, call the next one."""
    from . import queue
    from .models import QueueTicket

    if not has_permission(request.user, Verb.APPLICATION_CREATE):
        raise PermissionDenied(Verb.APPLICATION_CREATE)
    station = _my_station(request.user)
    called = None
    if station is not None and request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "check_in":
                ticket = queue.check_in(request.user, station, request.POST.get("appointment", ""))
                messages.success(request, _("Checked in: number %(n)s.") % {"n": ticket.number})
            elif action == "walk_in":
                ticket = queue.walk_in(request.user, station, name=request.POST.get("name", "")[:140])
                messages.success(request, _("Walk-in: number %(n)s.") % {"n": ticket.number})
            elif action == "call":
                called = queue.call_next(request.user, station)
                if called is None:
                    messages.info(request, _("Nobody is waiting."))
            elif action in ("done", "absent"):
                ticket = QueueTicket.objects.filter(
                    pk=request.POST.get("ticket", "0") or 0, station=station
                ).first()
                if ticket is not None:
                    queue.finish(request.user, ticket, absent=action == "absent")
        except EnrollmentError as error:
            messages.error(request, problem_text(error))
        if called is None:
            return redirect("station-queue")
    tickets = queue.waiting(station) if station else []
    return render(request, "enrollment/queue.html", {
        "station": station, "tickets": tickets, "called": called,
        "in_progress": QueueTicket.objects.select_related("citizen").filter(
            station=station, day=timezone.localdate(), status=QueueTicket.Status.CALLED, called_by=request.user)
        if station else [],
    })  # fmt: skip


@_found
def stations(request):
    """A supervisor's stations: create one, assign an officer, open slots for a day, add a shift."""
    from cancuoc.accounts.models import User
    from cancuoc.units.models import AdministrativeUnit

    from . import booking
    from .access import stations_for
    from .actions import assign_officer, create_shift, create_station
    from .models import Station

    if not has_permission(request.user, Verb.STATION_MANAGE):
        raise PermissionDenied(Verb.STATION_MANAGE)
    mine = stations_for(request.user, Verb.STATION_MANAGE).order_by("code")
    if request.method == "POST":
        action = request.POST.get("action", "")
        station = mine.filter(code=request.POST.get("station", "")[:20]).first()
        try:
            if action == "create":
                unit = AdministrativeUnit.objects.filter(
                    code=request.POST.get("unit", "")[:8], valid_to__isnull=True
                ).first()
                if unit is None:
                    raise NotFound()
                kind = request.POST.get("kind", "")
                if kind not in Station.Kind.values:
                    raise EnrollmentError(
                        Code.KIND_REFUSED, why_vi="loại điểm không hợp lệ", why_en="unknown kind of station"
                    )
                code = request.POST.get("code", "").strip()[:20]
                if not code or Station.objects.filter(code=code).exists():
                    raise EnrollmentError(Code.STATION_NOT_YOURS, station=code)
                create_station(request.user, code=code, name=request.POST.get("name", "").strip()[:200] or code,
                               kind=kind, unit=unit, address=request.POST.get("address", "").strip()[:300])  # fmt: skip
            elif station is None:
                raise NotFound()
            elif action == "assign":
                officer = User.objects.filter(
                    username=request.POST.get("officer", "")[:150], is_active=True
                ).first()
                if officer is None or not (
                    officer.unit
                    and officer.unit.path.startswith(request.user.unit.path if request.user.unit else "")
                ):
                    raise NotFound()
                assign_officer(request.user, station, officer)
            elif action == "slots":
                day = _day(request.POST.get("day", ""))
                if day is None:
                    raise EnrollmentError(Code.DATE_INVALID, value=request.POST.get("day", "")[:20])
                booking.open_slots(request.user, station, day)
            elif action == "shift":
                day = _day(request.POST.get("day", ""))
                start, end = _clock(request.POST.get("start", "")), _clock(request.POST.get("end", ""))
                if day is None or start is None or end is None or end <= start:
                    raise EnrollmentError(Code.DATE_INVALID, value=request.POST.get("day", "")[:20])
                officers = [
                    a.officer for a in station.assignments.filter(current=True).select_related("officer")
                ]
                create_shift(request.user, station, name=request.POST.get("name", "")[:40],
                             starts_at=timezone.make_aware(datetime.combine(day, start)),
                             ends_at=timezone.make_aware(datetime.combine(day, end)), officers=officers)  # fmt: skip
            messages.success(request, _("Saved."))
        except EnrollmentError as error:
            messages.error(request, problem_text(error))
        except NotFound:
            messages.error(request, _("Not found in your area."))
        return redirect("station-list")
    rows = [{"station": s, "officers": [a.officer for a in s.assignments.filter(current=True).select_related("officer")],
             "shifts": list(s.shifts.filter(starts_at__date__gte=timezone.localdate()).order_by("starts_at")[:6])}
            for s in mine.select_related("unit")[:200]]  # fmt: skip
    return render(request, "enrollment/stations.html", {"rows": rows, "kinds": Station.Kind.choices})


def _day(text: str):
    try:
        return parse_date(text)
    except (TypeError, ValueError):
        return None


def _clock(text: str):
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        return None
