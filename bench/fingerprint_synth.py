"""Synthetic fingerprint generation speed and realism, per core (one process), and a picture of examples.

    python bench/fingerprint_synth.py [--fingers 100] [--people 20] [--seed 1]

Per finger: the master (orientation, frequency, ridge growth), impressions 1 and 2, their PNG encoding and
NBIS MINDTCT minutiae extraction (afis, native, NFIQ2 off), each timed alone. Bozorth3 scores of every
mated pair (impression 1 against 2 of the same finger) and every non-mated pair (impression 1 of one finger
against impression 2 of another). Then ``write_dataset`` with 2 workers on ``--people`` people for the
wall-clock rate, and the picture docs/img/synthetic-fingerprints.png (the five classes, five impressions of
one finger).
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from cancuoc.fingerprints import synth  # noqa: E402
from report import record  # noqa: E402

PICTURE = Path(__file__).resolve().parent.parent / "docs" / "img" / "synthetic-fingerprints.png"
THRESHOLD = 40  # Bozorth3's customary decision threshold


def save_examples(seed: int, path: Path) -> None:
    """Row 1: one impression-1 print of each class; row 2: impressions 1–5 of one finger."""
    from PIL import Image, ImageDraw

    firsts = {}
    for person in range(1, 200):
        for position in synth.FINGER_POSITIONS:
            firsts.setdefault(synth.finger_class(seed, person, position), (person, position))
        if len(firsts) == len(synth.CLASSES):
            break
    rows = [
        [(synth.generate_finger(seed, *firsts[kind], 1), kind.replace("_", " ")) for kind in synth.CLASSES],
        [(synth.generate_finger(seed, *firsts["right_loop"], i), f"impression {i}") for i in range(1, 6)],
    ]
    height, width = synth.IMAGE_SHAPE
    label = 22
    sheet = Image.new("L", (5 * width + 4 * 6, 2 * (height + label) + 6), 255)
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(rows):
        for c, (image, caption) in enumerate(row):
            x, y = c * (width + 6), r * (height + label + 6)
            sheet.paste(Image.fromarray(image), (x, y + label))
            draw.text((x + 4, y + 5), caption, fill=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)


def timed(function, *arguments):
    """(result, CPU seconds of this process): CPU time, not wall time, so that other work on a shared
    machine does not count against the figure."""
    start = time.process_time()
    result = function(*arguments)
    return result, time.process_time() - start


def percentile_row(values) -> str:
    cut = np.percentile(values, [5, 25, 50, 75, 95])
    return " / ".join(f"{v:.0f}" for v in cut)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fingers", type=int, default=100)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quality-fingers", type=int, default=30)
    args = parser.parse_args()
    from afis import NbisExtractor
    from PIL import Image

    extractor = NbisExtractor(quality_mode="off")
    fingers = [(1 + i // 10, 1 + i % 10) for i in range(args.fingers)]
    synth.generate_master(args.seed, 999, 1)  # warm-up: filter bank, imports
    times = {"master": [], "impression": [], "png": [], "minutiae": []}
    templates = {}
    kinds = Counter()
    for finger in fingers:
        synth.generate_master.cache_clear()
        _, seconds = timed(synth.generate_master, args.seed, *finger)
        times["master"].append(seconds)
        for impression in (1, 2):
            image, seconds = timed(synth.generate_finger, args.seed, *finger, impression)
            times["impression"].append(seconds)
            start = time.process_time()
            Image.fromarray(image).save(io.BytesIO(), format="PNG", compress_level=3)
            times["png"].append(time.process_time() - start)
            template, seconds = timed(extractor.extract_minutiae, image)
            times["minutiae"].append(seconds)
            templates[finger, impression] = template
            kinds.update(int(k) for k in template.minutiae[:, 3])
    counts = {i: [templates[f, i].n_minutiae for f in fingers] for i in (1, 2)}
    from afis.quality import compute_nfiq2

    sample = fingers[: args.quality_fingers]
    nfiq2 = {
        i: [
            compute_nfiq2(synth.generate_finger(args.seed, *f, i), n_minutiae=templates[f, i].n_minutiae,
                          minutiae=templates[f, i].minutiae).score
            for f in sample
        ]
        for i in (1, 2)
    }  # fmt: skip
    start = time.process_time()
    mated = [extractor.match(templates[f, 1], templates[f, 2]).raw_score for f in fingers]
    non_mated = [
        extractor.match(templates[f, 1], templates[g, 2]).raw_score
        for f in fingers
        for g in fingers
        if f != g
    ]
    match_seconds = (time.process_time() - start) / (len(mated) + len(non_mated))
    mean = {name: statistics.fmean(values) for name, values in times.items()}
    per_finger = mean["master"] + 2 * (mean["impression"] + mean["png"] + mean["minutiae"])
    benchmark_minutes = 1000 * 10 * per_finger / 2 / 60

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        written = synth.write_dataset(Path(folder), args.people, 2, args.seed, workers=2)
        parallel_rate = written / (time.perf_counter() - start)

    classes = Counter(
        synth.finger_class(args.seed, p, f) for p in range(1, 1001) for f in synth.FINGER_POSITIONS
    )
    class_row = ", ".join(f"{kind.replace('_', ' ')} {classes[kind] / 100:.1f} %" for kind in synth.CLASSES)
    save_examples(args.seed, PICTURE)
    fnmr = sum(s < THRESHOLD for s in mated) / len(mated)
    fmr = sum(s >= THRESHOLD for s in non_mated) / len(non_mated)
    endings = kinds[0] / max(1, kinds[0] + kinds[1])
    record(
        "fingerprint-synth",
        "Synthetic fingerprints: generation speed, minutiae, Bozorth3 scores",
        f"""`bench/fingerprint_synth.py`: {args.fingers} fingers (persons 1–{fingers[-1][0]}, all ten positions),
impressions 1 and 2 each, 400 × 320 px at 500 dpi; one process, each step timed alone in CPU seconds of
the process (the machine is shared: wall time would count other work).

| step (per core, CPU time) | mean | rate |
|---|---|---|
| master fingerprint (fields + ridge growth) | {mean["master"] * 1000:.0f} ms | {1 / mean["master"]:.1f} masters/s |
| impression from a cached master | {mean["impression"] * 1000:.0f} ms | {1 / mean["impression"]:.1f} images/s (goal ≤ 150 ms: **{"meets" if mean["impression"] <= 0.15 else "misses"}**) |
| PNG encoding | {mean["png"] * 1000:.1f} ms | |
| MINDTCT minutiae (afis native, NFIQ2 off) | {mean["minutiae"] * 1000:.0f} ms | |
| Bozorth3 match | {match_seconds * 1000:.2f} ms | |
| one finger, 2 impressions, PNG and minutiae | {per_finger * 1000:.0f} ms | |
| `write_dataset`, 2 workers, {args.people} people × 10 fingers × 2 (no minutiae) | | **{parallel_rate:.1f} images/s** wall clock, load average {load:.1f} at the start |

Estimated for the 1,000 people × 10 fingers × 2 impressions benchmark with minutiae, on 2 cores:
**{benchmark_minutes:.0f} min** (goal: well under 60).

| realism | impression 1 | impression 2 |
|---|---|---|
| MINDTCT minutiae, p5 / p25 / median / p75 / p95 | {percentile_row(counts[1])} | {percentile_row(counts[2])} |
| NFIQ 2 (afis port), same percentiles, first {len(sample)} fingers | {percentile_row(nfiq2[1])} | {percentile_row(nfiq2[2])} |

Minutiae types found by MINDTCT: {endings:.0%} endings, {1 - endings:.0%} bifurcations.
Pattern classes of 10,000 fingers: {class_row}.

| Bozorth3 score | n | min | p5 | median | p95 | p99 | max | at threshold {THRESHOLD} |
|---|---|---|---|---|---|---|---|---|
| mated (impression 1 vs 2) | {len(mated)} | {min(mated):.0f} | {np.percentile(mated, 5):.0f} | {np.median(mated):.0f} | {np.percentile(mated, 95):.0f} | {np.percentile(mated, 99):.0f} | {max(mated):.0f} | FNMR {fnmr:.1%} |
| non-mated | {len(non_mated)} | {min(non_mated):.0f} | {np.percentile(non_mated, 5):.0f} | {np.median(non_mated):.0f} | {np.percentile(non_mated, 95):.0f} | {np.percentile(non_mated, 99):.0f} | {max(non_mated):.0f} | FMR {fmr:.2%} |

Examples: `docs/img/synthetic-fingerprints.png` (the five classes; five impressions of one finger).
""",
    )  # fmt: skip


if __name__ == "__main__":
    main()
