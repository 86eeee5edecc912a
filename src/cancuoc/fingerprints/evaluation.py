"""Accuracy of the reference engine on synthetic prints, measured the way NIST FpVTE/FRIF and ISO/IEC
19795-1 measure it.

Ten-print 1:N: impression 1 of people 1..N is enrolled; impression 2 of each of them is searched (mated
searches) and impression 2 of ``non_mated`` further people who were never enrolled (non-mated searches).
FPIR(t) is the share of non-mated searches whose best candidate scores ≥ t; FNIR(t) the share of mated
searches whose mate is not among the candidates with a score ≥ t. Also reported: the same with
leave-one-out non-mated searches: the best stranger of each mated search (as if searched again with its
own mate excluded, against a gallery of N−1; N more non-mated searches at no extra image cost).

1:1: impression 2 against impression 1 of the same finger (genuine) and of the same finger position of
other people (impostor: person i against i+1 … i+D), for single fingers and for whole ten-prints (sum of
the ten Bozorth3 scores). FNMR at FMR 0.1 %, and the equal error rate.

Images are generated on the fly (``synth.generate_finger``) in worker processes and only their templates
are kept. Synthetic prints are not real fingers: these figures show that the engine works and how it
scales, not how it would do on a population."""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import time
from collections.abc import Callable

import numpy as np

from cancuoc.fingerprints.engine import ReferenceEngine
from cancuoc.fingerprints.matching import Bozorth3
from cancuoc.fingerprints.templates import POSITIONS, FingerTemplate, extract_template

IMPOSTOR_TENPRINT_PAIRS = 2_000  # at least this many ten-print impostor pairs (×10 single-finger pairs)
CURVE_POINTS = 200

_state: dict = {}  # what forked workers inherit: templates and the engine


@functools.lru_cache(maxsize=64)
def person_templates(
    seed: int, person: int, impression: int, positions=POSITIONS
) -> dict[int, FingerTemplate]:
    """The templates of one synthetic person's fingers (no NFIQ 2 score). Cached: tests and examples ask for
    the same people again; callers must not change what they get."""
    from cancuoc.fingerprints.synth import generate_finger

    return {p: extract_template(generate_finger(seed, person, p, impression), p, assess_quality=False)
            for p in positions}  # fmt: skip


def _extract_person(task):
    from cancuoc.fingerprints.synth import generate_finger

    seed, person, impressions, positions = task
    synth_seconds = extract_seconds = 0.0
    out = {}
    for impression in impressions:
        fingers = {}
        for position in positions:
            start = time.perf_counter()
            image = generate_finger(seed, person, position, impression)
            middle = time.perf_counter()
            fingers[position] = extract_template(image, position, assess_quality=False)
            synth_seconds += middle - start
            extract_seconds += time.perf_counter() - middle
        out[impression] = fingers
    return person, out, synth_seconds, extract_seconds


def _search(task):
    kind, person = task
    engine: ReferenceEngine = _state["engine"]
    probe = _state["templates"][person][2]
    before = engine.comparisons
    start = time.perf_counter()
    if kind == "mated":
        candidates = engine.identify(probe, limit=engine.shortlist)
        mate = f"P{person}"
        found = [(rank, c.score) for rank, c in enumerate(candidates) if c.reference == mate]
        others = [c.score for c in candidates if c.reference != mate]
        # The best stranger of a mated search is the top of a search with the mate left out (leave-one-out)
        # but for the one stranger that would have taken the mate's place in the shortlist.
        result = (
            found[0][1] if found else None,
            found[0][0] if found else None,
            others[0] if others else 0.0,
        )
    else:
        candidates = engine.identify(probe, limit=1)
        result = (candidates[0].score if candidates else 0.0, None, None)
    return kind, person, result, time.perf_counter() - start, engine.comparisons - before


def _compare_pairs(task):
    """Bozorth3 scores of person ``a`` impression 2 against person ``b`` impression 1, finger by finger."""
    a, b = task
    matcher = _state.setdefault("matcher", Bozorth3())
    templates = _state["templates"]
    probe, enrolled = templates[a][2], templates[b][1]
    return a, b, [float(matcher.compare(probe[p], enrolled[p])) if p in probe and p in enrolled else 0.0
                  for p in _state["positions"]]  # fmt: skip


def _pool(workers: int):
    return multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None


def _run(pool, function, tasks, progress=None, chunksize=8):
    results = []
    iterator = pool.imap_unordered(function, tasks, chunksize=chunksize) if pool else map(function, tasks)
    for result in iterator:
        results.append(result)
        if progress:
            progress(len(results))
    return results


def extract_people(tasks, workers: int, progress=None, cache=None):
    """Templates of the people of ``tasks`` ((seed, person, impressions, positions) each), extracted in
    ``workers`` processes. ``cache``: a folder keeping one file per task, so an interrupted or resized run
    reuses what was extracted. Returns (templates by person → impression → position, synthesis seconds,
    extraction seconds, how many people came from the cache)."""
    templates: dict[int, dict[int, dict[int, FingerTemplate]]] = {}
    synth_seconds = extract_seconds = 0.0
    missing, cached = [], 0
    for task in tasks:
        stored = _load_cached(cache, task)
        if stored is None:
            missing.append(task)
            continue
        person, fingers, synth_s, extract_s = stored
        templates[person] = fingers
        synth_seconds, extract_seconds, cached = (
            synth_seconds + synth_s,
            extract_seconds + extract_s,
            cached + 1,
        )

    def step(count):
        if progress:
            progress(cached + count)

    pool = _pool(workers)
    try:
        for result in _run(pool, _extract_cached, [(task, cache) for task in missing], step, chunksize=1):
            person, fingers, synth_s, extract_s = result
            templates[person] = fingers
            synth_seconds += synth_s
            extract_seconds += extract_s
    finally:
        if pool:
            pool.close()
            pool.join()
    return templates, synth_seconds, extract_seconds, cached


def evaluation_tasks(
    people: int, seed: int, non_mated: int, positions=POSITIONS, non_mated_from=None
) -> list[tuple]:
    """The extraction tasks of an evaluation: people 1..N with impressions 1 and 2, then the non-mated."""
    positions = tuple(positions)
    tasks = [(seed, p, (1, 2), positions) for p in range(1, people + 1)]
    first = people + 1 if non_mated_from is None else int(non_mated_from)
    return tasks + [(seed, p, (2,), positions) for p in range(first, first + non_mated)]


def _cache_file(cache, task):
    from pathlib import Path

    seed, person, impressions, positions = task
    name = f"{seed}-{person}-{'_'.join(map(str, impressions))}-{'_'.join(map(str, positions))}.pickle"
    return Path(cache) / name


def _load_cached(cache, task):
    import pickle

    if cache is None:
        return None
    seed, person, impressions, positions = task
    # A person extracted with more impressions serves a task that needs fewer (a non-mated search only
    # needs impression 2), so one cache of people 1..P serves any split into enrolled and non-mated.
    for stored_impressions in (impressions, (1, 2)):
        path = _cache_file(cache, (seed, person, stored_impressions, positions))
        if set(impressions) <= set(stored_impressions) and path.exists():
            with open(path, "rb") as file:
                person, fingers, synth_s, extract_s = pickle.load(file)  # our own file (_extract_cached)
            share = len(impressions) / len(stored_impressions)
            return person, {i: fingers[i] for i in impressions}, synth_s * share, extract_s * share
    return None


def _extract_cached(item):
    import pickle

    task, cache = item
    stored = _load_cached(cache, task)  # another process may have extracted it meanwhile
    if stored is not None:
        return stored
    result = _extract_person(task)
    if cache is not None:
        path = _cache_file(cache, task)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        with open(partial, "wb") as file:
            pickle.dump(result, file)
        partial.replace(path)
    return result


def threshold_at(impostor_scores: np.ndarray, rate: float) -> float:
    """The lowest threshold at which at most ``rate`` of ``impostor_scores`` reach it (decision: ≥)."""
    ordered = np.sort(np.asarray(impostor_scores, dtype=float))[::-1]
    allowed = int(math.floor(rate * len(ordered) + 1e-9))
    if allowed >= len(ordered):
        return float(ordered[-1])
    return float(np.nextafter(ordered[allowed], math.inf))


def error_rates(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> tuple[float, float]:
    """(false non-match rate, false match rate) at ``threshold``; a missing genuine score (nan) is a miss."""
    genuine = np.asarray(genuine, dtype=float)
    miss = float(np.mean(~(genuine >= threshold))) if len(genuine) else math.nan
    false = float(np.mean(np.asarray(impostor, dtype=float) >= threshold)) if len(impostor) else math.nan
    return miss, false


def _curve(genuine: np.ndarray, impostor: np.ndarray) -> dict:
    values = np.unique(np.concatenate([np.asarray(impostor, float), np.nan_to_num(genuine, nan=-1.0)]))
    if len(values) > CURVE_POINTS:
        values = np.unique(np.quantile(values, np.linspace(0, 1, CURVE_POINTS)))
    miss, false = (
        zip(*(error_rates(genuine, impostor, t) for t in values), strict=True) if len(values) else ((), ())
    )
    return {
        "threshold": [float(v) for v in values],
        "false_match": list(false),
        "false_non_match": list(miss),
    }


def _equal_error_rate(genuine: np.ndarray, impostor: np.ndarray) -> float:
    best = (math.inf, math.nan)
    for t in np.unique(np.concatenate([genuine, impostor])):
        miss, false = error_rates(genuine, impostor, t)
        best = min(best, (abs(miss - false), (miss + false) / 2))
    return best[1]


def _percent(value: float) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else round(100 * value, 3)
    )


def _milliseconds(samples: list[float]) -> dict:
    ordered = np.sort(np.asarray(samples)) * 1000
    return {"mean": round(float(ordered.mean()), 1), "p50": round(float(np.percentile(ordered, 50)), 1),
            "p95": round(float(np.percentile(ordered, 95)), 1), "max": round(float(ordered[-1]), 1)}  # fmt: skip


def evaluate(people: int, seed: int, *, impressions: int = 2, workers: int = 2,
             progress: Callable[[int, int], None] | None = None, non_mated: int | None = None,
             positions=POSITIONS, engine_options: dict | None = None, cache=None,
             non_mated_from: int | None = None) -> dict:  # fmt: skip
    """Run the evaluation (see the module docstring) and return its figures, curves included. ``cache``:
    a folder keeping the extracted templates per person for a rerun. ``non_mated_from``: the number of the
    first never-enrolled person (default: right after the enrolled ones)."""
    if people < 2 or impressions < 2:
        raise ValueError("at least 2 people and 2 impressions")
    positions = tuple(positions)
    non_mated = people if non_mated is None else int(non_mated)
    workers = max(1, min(int(workers), os.cpu_count() or 1))
    began = time.perf_counter()
    first_stranger = people + 1 if non_mated_from is None else int(non_mated_from)
    if first_stranger <= people:
        raise ValueError("non-mated people must not be enrolled")
    tasks = evaluation_tasks(people, seed, non_mated, positions, first_stranger)
    offsets = max(1, min(people - 1, math.ceil(IMPOSTOR_TENPRINT_PAIRS / people)))
    total = len(tasks) + people + non_mated + people * (1 + offsets)
    done = 0

    def step(count):
        if progress:
            progress(done + count, total)

    templates, synth_seconds, extract_seconds, from_cache = extract_people(tasks, workers, step, cache)
    done += len(tasks)
    images = sum(len(f) for fingers in templates.values() for f in fingers.values())
    extracted_at = time.perf_counter()

    engine = ReferenceEngine(**(engine_options or {}))
    start = time.perf_counter()
    for person in range(1, people + 1):
        engine.insert(f"P{person}", templates[person][1])
    engine.flush()
    insert_seconds = time.perf_counter() - start

    _state.update(engine=engine, templates=templates, positions=positions)
    searches = [("mated", p) for p in range(1, people + 1)]
    searches += [("non_mated", p) for p in range(first_stranger, first_stranger + non_mated)]
    pairs = [(p, p) for p in range(1, people + 1)]
    pairs += [(p, (p - 1 + d) % people + 1) for p in range(1, people + 1) for d in range(1, offsets + 1)]
    pool = _pool(workers)
    try:
        found = _run(pool, _search, searches, step, chunksize=4)
        done += len(searches)
        compared = _run(pool, _compare_pairs, pairs, step, chunksize=64)
    finally:
        if pool:
            pool.close()
            pool.join()
        _state.clear()

    mate_scores = np.array(
        [r[0] if r[0] is not None else np.nan for k, _p, r, _t, _c in found if k == "mated"]
    )
    mate_ranks = [r[1] for k, _p, r, _t, _c in found if k == "mated"]
    non_mated_top = np.array([r[0] for k, _p, r, _t, _c in found if k == "non_mated"])
    loo_top = np.array([r[2] for k, _p, r, _t, _c in found if k == "mated"])
    search_times = [t for _k, _p, _r, t, _c in found]
    comparisons = [c for _k, _p, _r, _t, c in found]

    genuine_single = np.array([s for a, b, scores in compared if a == b for s in scores])
    impostor_single = np.array([s for a, b, scores in compared if a != b for s in scores])
    genuine_ten = np.array([sum(scores) for a, b, scores in compared if a == b])
    impostor_ten = np.array([sum(scores) for a, b, scores in compared if a != b])

    results: dict = {
        "people_enrolled": people,
        "fingers_per_person": len(positions),
        "gallery_fingers": people * len(positions),
        "mated_searches": people,
        "non_mated_searches": int(len(non_mated_top)),
        "leave_one_out_searches": int(len(loo_top)),
        "seed": seed,
        "shortlist": engine.shortlist,
        "threshold": engine.identify_threshold(len(positions)),
    }
    for label, impostor in (("", non_mated_top), ("loo_", loo_top)):
        for rate in (0.01, 0.001):
            if len(impostor):
                t = threshold_at(impostor, rate)
                fnir, fpir = error_rates(mate_scores, impostor, t)
                results[f"{label}fnir_at_fpir_{rate * 100:g}pct"] = _percent(fnir)
                results[f"{label}threshold_at_fpir_{rate * 100:g}pct"] = round(t, 2)
    operating_point = engine.identify_threshold(len(positions))
    fnir, fpir = error_rates(mate_scores, non_mated_top, operating_point)
    results["fnir_at_threshold_pct"], results["fpir_at_threshold_pct"] = _percent(fnir), _percent(fpir)
    _loo_fnir, loo_fpir = error_rates(mate_scores, loo_top, operating_point)
    results["loo_fpir_at_threshold_pct"] = _percent(loo_fpir)
    results["mate_in_shortlist_pct"] = _percent(float(np.mean(~np.isnan(mate_scores))))
    results["rank1_pct"] = _percent(float(np.mean([r == 0 for r in mate_ranks])))
    for label, genuine, impostor in (
        ("single", genuine_single, impostor_single),
        ("tenprint", genuine_ten, impostor_ten),
    ):
        t = threshold_at(impostor, 0.001)
        fnmr, fmr = error_rates(genuine, impostor, t)
        results[f"{label}_fnmr_at_fmr_0.1pct"] = _percent(fnmr)
        results[f"{label}_threshold_at_fmr_0.1pct"] = round(t, 2)
        results[f"{label}_eer_pct"] = _percent(_equal_error_rate(genuine, impostor))
        results[f"{label}_genuine_pairs"], results[f"{label}_impostor_pairs"] = (
            int(len(genuine)),
            int(len(impostor)),
        )
    results["timings"] = {
        "images": images,
        "synthesis_ms_per_image": round(1000 * synth_seconds / images, 1),
        "extraction_ms_per_image": round(1000 * extract_seconds / images, 1),
        "inserts_per_second": round(people / insert_seconds, 1),
        "identify_ms": _milliseconds(search_times),
        "comparisons_per_search": round(float(np.mean(comparisons)), 1),
        "gallery_fingers_per_search": people * len(positions),
        "workers": workers,
        "extraction_wall_s": round(extracted_at - began, 1),
        "people_from_cache": from_cache,
        "total_wall_s": round(time.perf_counter() - began, 1),
    }
    results["det_curve_1n"] = _curve(mate_scores, non_mated_top)
    results["det_curve_1n_loo"] = _curve(mate_scores, loo_top)
    results["det_curve_11_single"] = _curve(genuine_single, impostor_single)
    results["det_curve_11_tenprint"] = _curve(genuine_ten, impostor_ten)
    return results


def plot_det(results: dict, path) -> None:
    """DET curves with matplotlib (Agg). ``path`` a folder: det-1n.png and det-11.png in it; a file: both
    plots side by side in that one PNG."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    panels = [("det-1n.png", "Ten-print 1:N", "FPIR", "FNIR",
               [("non-mated people", results["det_curve_1n"]), ("leave-one-out", results["det_curve_1n_loo"])]),
              ("det-11.png", "1:1", "FMR", "FNMR",
               [("single finger", results["det_curve_11_single"]), ("ten-print", results["det_curve_11_tenprint"])])]  # fmt: skip
    single_file = path.suffix.lower() == ".png"
    if single_file:
        figure, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for number, (name, title, x_label, y_label, curves) in enumerate(panels):
        if not single_file:
            figure, axis = plt.subplots(figsize=(5.5, 4.5))
        else:
            axis = axes[number]
        for label, curve in curves:
            false = np.clip(np.asarray(curve["false_match"], float), 1e-5, 1)
            miss = np.clip(np.asarray(curve["false_non_match"], float), 1e-5, 1)
            axis.step(false, miss, where="post", label=label)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlim(1e-4, 1)
        axis.set_ylim(1e-4, 1)
        axis.set_xlabel(x_label)
        axis.set_ylabel(y_label)
        axis.grid(True, which="both", alpha=0.3)
        axis.set_title(
            f"{title}: {results['people_enrolled']:,} people, synthetic prints (seed {results['seed']})"
        )
        axis.legend(fontsize=8)
        if not single_file:
            figure.tight_layout()
            path.mkdir(parents=True, exist_ok=True)
            figure.savefig(path / name, dpi=110)
            plt.close(figure)
    if single_file:
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=110)
        plt.close(figure)
