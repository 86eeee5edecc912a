"""The demo's campaign in progress, made through enrollment's own actions: stations of the three kinds,
officers assigned, today's shifts, appointment slots for the coming days, and a history of applications
(synthetic portraits and fingerprints) run through the pipeline, some approved by the supervisor, some
waiting. Deterministic by seed."""

from __future__ import annotations

import io
import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from cancuoc.accounts.models import User
from cancuoc.enrollment import actions, booking
from cancuoc.enrollment.errors import EnrollmentError
from cancuoc.enrollment.models import Application, Station
from cancuoc.registry.models import Citizen
from cancuoc.rules.people import age_on
from cancuoc.units.models import AdministrativeUnit

SHIFTS = (("Ca sáng", time(7, 0), time(11, 30)), ("Ca chiều", time(13, 0), time(17, 0)),
          ("Ca tối", time(18, 0), time(22, 0)), ("Ca đêm", time(22, 0), time(23, 59)))  # fmt: skip


def _portrait() -> bytes:
    """A compliant portrait (ICAO-like: one face, plain background) from a public-domain photo shipped
    with scikit-image; every demo applicant shares it (the face 1:N is not part of the pipeline)."""
    import cv2
    import numpy as np
    from PIL import Image
    from skimage import data

    from cancuoc.faces import landmarks

    rgb = data.astronaut()
    person = landmarks.person_mask(rgb)[..., None]
    plain = (rgb * person + np.array((236, 238, 241), np.float32) * (1 - person)).round().astype(np.uint8)
    crop = cv2.resize(plain[4:212, 144:306], (413, 531), interpolation=cv2.INTER_CUBIC)
    buffer = io.BytesIO()
    Image.fromarray(crop).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _fingers(seed: int, person: int) -> dict[str, bytes]:
    from PIL import Image

    from cancuoc.fingerprints.synth import generate_finger

    prints = {}
    for position in range(1, 11):
        buffer = io.BytesIO()
        Image.fromarray(generate_finger(seed, person, position, 1)).save(buffer, "PNG")
        prints[str(position)] = buffer.getvalue()
    return prints


def ensure_stations(province: AdministrativeUnit) -> list[Station]:
    """A fixed station in each demo commune with its officer, a mobile team and a home-visit team of the
    province; shifts today; slots for the next five days."""
    officers = list(
        User.objects.filter(username__in=["commune1", "commune2"]).select_related("unit").order_by("username")
    )
    stations = []
    for officer in officers:
        station = Station.objects.filter(code=f"CA-{officer.unit.code}").first() or actions.create_station(
            None, code=f"CA-{officer.unit.code}", name=f"Công an {officer.unit.name}", kind="fixed",
            unit=officer.unit, address=f"Trụ sở Công an {officer.unit.name}",
        )  # fmt: skip
        if not station.assignments.filter(officer=officer, current=True).exists():
            actions.assign_officer(None, station, officer)
        stations.append(station)
    for code, name, kind in ((f"LD-{province.code}", f"Tổ lưu động {province.name}", "mobile"),
                             (f"TN-{province.code}", f"Tổ thu nhận tại nhà {province.name}", "home_visit")):  # fmt: skip
        station = Station.objects.filter(code=code).first() or actions.create_station(
            None, code=code, name=name, kind=kind, unit=province
        )
        stations.append(station)
    today = timezone.localdate()
    for station in stations:
        if station.kind == Station.Kind.FIXED and not station.shifts.filter(starts_at__date=today).exists():
            officers_here = [a.officer for a in station.assignments.filter(current=True)]
            for name, start, end in SHIFTS:
                actions.create_shift(None, station, name=name, starts_at=_at(today, start), ends_at=_at(today, end),
                                     officers=officers_here)  # fmt: skip
        for offset in range(0, 6):
            day = today + timedelta(days=offset)
            if day.weekday() < 5:
                booking.open_slots(None, station, day)
    return stations


def _at(day, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def create_applications(count: int, *, seed: int = 2026, progress=None) -> int:
    """``count`` applications at the demo's fixed stations by their officers, processed, and most of those
    waiting for approval approved by the province supervisor."""
    from cancuoc.enrollment.processing import process_pending

    rng = random.Random(seed)
    officers = list(User.objects.filter(username__in=["commune1", "commune2"]).select_related("unit"))
    supervisor = User.objects.filter(username="province").first()
    if not officers:
        return 0
    portrait = _portrait()
    today, made = timezone.localdate(), 0
    for index in range(count):
        officer = officers[index % len(officers)]
        offset = rng.randrange(0, 50)
        citizen = next(iter(
            Citizen.objects.filter(permanent_unit__path__startswith=officer.unit.path, date_of_death__isnull=True,
                                   merged_into__isnull=True, applications__isnull=True)
            .exclude(birth_date__gt=today.replace(year=today.year - 14)).order_by("pk")[offset : offset + 1]), None)  # fmt: skip
        if citizen is None or age_on(citizen.birth_date, today) < 14:
            continue
        try:
            actions.submit_application(
                officer, idempotency_key=f"demo-{seed}-{index}", id_number=citizen.id_number, kind="first",
                portrait=portrait, fingerprints=_fingers(seed, citizen.pk),
                opened_at=timezone.now() - timedelta(seconds=rng.randint(110, 330)),
            )  # fmt: skip
        except EnrollmentError:
            continue
        made += 1
        if progress:
            progress(made, count)
    process_pending()
    if supervisor is not None:
        waiting = Application.objects.filter(stage=Application.Stage.APPROVAL).order_by("pk")
        for application in list(waiting)[: max(0, (made * 2) // 3)]:
            actions.decide(
                supervisor, application.code, decision="approve", reason="Hồ sơ đầy đủ, đúng quy định"
            )
    return made
