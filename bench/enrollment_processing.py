"""Enrollment processing: applications/s through the whole pipeline, split per stage, on PostgreSQL.

    python bench/enrollment_processing.py [--applications 30] [--demographic-sample 500]

The database is bench/enrollment_common.py's (100,000 demo citizens of province 01). N applications are
taken through the action ``submit_application`` (citizens who never applied, each with the compliant
portrait and ten synthetic prints of its own person, PNG as grown), then ``process_pending`` runs them
in this process, as the worker does: completeness (the portrait checks, chip crop, face template, finger
quality and minutiae), the demographic check against the registry, the biometric check (ABIS identify
on the reference backend, then insert into the gallery). Time per stage is taken by wrapping the stage
handlers of ``cancuoc.enrollment.processing`` and the functions each calls (measurement only: nothing
of the pipeline changes). ``process_pending`` is limited to this run's applications, so applications
left in the queue by bench/enrollment_intake.py (which runs no worker) are not processed here.

The demographic check is also timed alone (``candidates_for``, read only) over ``--demographic-sample``
random citizens of the registry.
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from enrollment_common import (  # noqa: E402
    DEFAULT_URL,
    ensure_officer,
    finger_png,
    fresh_citizens,
    load_average,
    portrait_jpeg,
    prepare,
)
from report import database_version, percentiles, record  # noqa: E402

SECONDS: dict[str, list[float]] = collections.defaultdict(list)


def timed(label: str, function, key=None):
    """``function`` wrapped to add its wall time (ms) under ``label`` (or ``key(arguments)``)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        name = key(*args, **kwargs) if key else label  # before the call: a stage handler moves the stage
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SECONDS[name].append((time.perf_counter() - start) * 1000)

    return wrapper


def instrument() -> None:
    """Timers around the stages and the work inside them (module attributes looked up at call time)."""
    from cancuoc.biometrics import abis
    from cancuoc.biometrics import actions as biometrics
    from cancuoc.enrollment import demographic, processing
    from cancuoc.faces import crop, quality, template
    from cancuoc.fingerprints import quality as finger_quality
    from cancuoc.fingerprints import sequence, templates

    processing._step = timed("", processing._step, key=lambda application: f"stage: {application.stage}")
    processing.process_application = timed("application (all its stages)", processing.process_application)
    biometrics.measure_submission = timed("completeness: measure_submission", biometrics.measure_submission)
    quality.check_portrait = timed("  portrait checks (check_portrait)", quality.check_portrait)
    crop.to_chip_portrait = timed("  chip portrait (to_chip_portrait)", crop.to_chip_portrait)
    template.face_template = timed("  face template (face_template)", template.face_template)
    finger_quality.assess_finger = timed(
        "  finger quality × 10 (assess_finger)", finger_quality.assess_finger
    )
    templates.extract_template = timed("  minutiae × 10 (extract_template)", templates.extract_template)
    sequence.repeated_fingers = timed("  same finger twice (repeated_fingers)", sequence.repeated_fingers)
    demographic.candidates_for = timed("demographic: candidates_for", demographic.candidates_for)
    abis.ReferenceBackend.identify = timed(
        "biometric: ABIS identify (engine)", abis.ReferenceBackend.identify
    )
    abis.ReferenceBackend.insert = timed("biometric: ABIS insert (engine)", abis.ReferenceBackend.insert)


def warm_up(person: int) -> float:
    """Load the models (face detection, face mesh, segmentation, dlib's ResNet, NBIS) and build the worker's
    in-memory demographic index before timing, as a running worker has them; returns the index's seconds."""
    from cancuoc.enrollment import demographic
    from cancuoc.faces.quality import check_portrait
    from cancuoc.faces.template import face_template
    from cancuoc.fingerprints.images import load_finger_image
    from cancuoc.fingerprints.quality import assess_finger
    from cancuoc.fingerprints.templates import extract_template

    check_portrait(portrait_jpeg())
    face_template(portrait_jpeg())
    image = load_finger_image(finger_png(person, 1))
    assess_finger(image)
    extract_template(image, 1)
    start = time.perf_counter()
    demographic._registry.current()
    return time.perf_counter() - start


def submit(officer, numbers: list[str], first_person: int) -> list[int]:
    from cancuoc.enrollment.actions import submit_application

    pks = []
    for offset, number in enumerate(numbers):
        person = first_person + offset
        application, created = submit_application(
            officer, idempotency_key=f"processing-{time.time_ns()}", id_number=number, kind="first",
            portrait=portrait_jpeg(), fingerprints={str(p): finger_png(person, p) for p in range(1, 11)},
            finger_exceptions={},
        )  # fmt: skip
        assert created
        pks.append(application.pk)
    return pks


def demographic_alone(sample: int) -> dict[str, float]:
    from cancuoc.enrollment.demographic import candidates_for
    from cancuoc.registry.models import Citizen

    top = Citizen.objects.order_by("-pk").values_list("pk", flat=True).first()
    chosen = random.Random(3).sample(range(1, top + 1), min(sample, top))
    people = list(Citizen.objects.filter(pk__in=chosen))
    for citizen in people[:20]:  # warm-up
        candidates_for(citizen)
    samples, found = [], 0
    for citizen in people:
        start = time.perf_counter()
        found += bool(candidates_for(citizen))
        samples.append((time.perf_counter() - start) * 1000)
    return {**percentiles(samples), "with_candidates": found}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_ENROLLMENT_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=30)
    parser.add_argument(
        "--first-person",
        type=int,
        help="synthetic finger persons from here (default: after "
        "those of earlier runs, already in the gallery)",
    )
    parser.add_argument("--demographic-sample", type=int, default=500)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    prepare(args.database_url, args.citizens)
    from django.db import connection

    from cancuoc.biometrics import abis
    from cancuoc.enrollment import processing
    from cancuoc.enrollment.models import Application
    from cancuoc.registry.models import Citizen

    officer = ensure_officer()
    population = Citizen.objects.count()
    if args.first_person is None:  # a person enrolled by an earlier run would be a true duplicate
        earlier = Application.objects.filter(created_by=officer, idempotency_key__startswith="processing-")
        args.first_person = 1001 + earlier.count()
    numbers = fresh_citizens(args.applications)
    for person in range(args.first_person, args.first_person + args.applications):  # grown once, cached
        for position in range(1, 11):
            finger_png(person, position)
    start = time.perf_counter()
    pks = submit(officer, numbers, args.first_person)
    submit_ms = (time.perf_counter() - start) * 1000 / len(pks)
    gallery_before = abis.backend().count()

    everything = processing.pending_ids
    mine = set(pks)
    processing.pending_ids = lambda: [pk for pk in everything() if pk in mine]
    index_seconds = warm_up(args.first_person)
    instrument()
    load_before = load_average()
    start, cpu = time.perf_counter(), time.process_time()
    counts = processing.process_pending()
    elapsed = time.perf_counter() - start
    cpu_ms = (time.process_time() - cpu) * 1000 / len(pks)
    load_after = load_average()
    stages = collections.Counter(Application.objects.filter(pk__in=pks).values_list("stage", flat=True))
    print(
        f"{len(pks)} applications in {elapsed:.1f} s: {dict(stages)} (process_pending: {counts})", flush=True
    )
    pipeline = {label: list(values) for label, values in SECONDS.items()}
    alone = demographic_alone(args.demographic_sample)
    print(f"demographic check alone: {alone}", flush=True)

    def ms(label: str) -> str:
        values = pipeline.get(label, [])
        return f"{sum(values) / len(pks):,.0f}" if values else "–"

    labels = ["stage: completeness", "completeness: measure_submission", "  portrait checks (check_portrait)",
              "  chip portrait (to_chip_portrait)", "  face template (face_template)",
              "  finger quality × 10 (assess_finger)", "  minutiae × 10 (extract_template)",
              "  same finger twice (repeated_fingers)", "stage: demographic_check", "demographic: candidates_for",
              "stage: biometric_check", "biometric: ABIS identify (engine)", "biometric: ABIS insert (engine)"]  # fmt: skip
    total = sum(pipeline["application (all its stages)"]) / len(pks)
    table = "\n".join(f"| {label.strip() if not label.startswith('  ') else '· ' + label.strip()} | {ms(label)} |"
                      for label in labels)  # fmt: skip
    for label in labels:
        print(f"{label:45} {ms(label):>8} ms per application", flush=True)
    if args.no_record:
        return
    body = f"""`bench/enrollment_processing.py`: {len(pks)} applications taken through `submit_application` ({submit_ms:.0f} ms
each), then `process_pending` in one process as the worker runs it, on {database_version(connection)} with {population:,}
demo citizens; each application a citizen who never applied, the compliant portrait and ten synthetic prints
of its own person (PNG). ABIS: the reference backend, gallery {gallery_before:,} → {abis.backend().count():,} records. Load
average (1/5/15 min) {load_before} before, {load_after} after, on the shared 2-core machine. The worker's
in-memory demographic index of the registry was built before timing ({index_seconds:.1f} s, once per worker process).

| | |
|---|---|
| applications through the pipeline | {len(pks)} in {elapsed:.1f} s: **{len(pks) / elapsed:.2f} applications/s** ({total:,.0f} ms each) |
| CPU of the worker process | {cpu_ms:,.0f} ms per application (one core: at most {1000 / cpu_ms:.2f} applications/s per worker process) |
| where they ended | {", ".join(f"{stage} {n}" for stage, n in sorted(stages.items()))} |

Milliseconds per application, per stage (a stage's time includes its history entry and audit):

| stage / part | ms per application |
|---|---|
{table}

Demographic check alone (`candidates_for`, read only) for {alone["n"]} random citizens of the registry of {population:,}:
p50 {alone["p50"]:.1f} ms, p95 {alone["p95"]:.1f} ms, p99 {alone["p99"]:.1f} ms, max {alone["max"]:.1f} ms; {alone["with_candidates"]}
with candidates (the demo population has relatives sharing names, no planted duplicates).
"""
    record("enrollment-processing", "Enrollment processing: the pipeline per stage", body)


if __name__ == "__main__":
    main()
