"""Portrait capture checks, chip crop and face 1:1 speed, in one process.

    python bench/portrait_checks.py [--runs 40]

The portrait is the compliant test capture of tests/faces (scikit-image's astronaut on a plain background,
413 × 531 PNG) and the same scaled ×6 as a phone-sized JPEG (2478 × 3186, 7.9 MP). Reported per stage of
``check_portrait`` (decoding, MediaPipe face detection, face mesh with irises, selfie segmentation) and in
total, then ``to_chip_portrait`` with the report at hand, a dlib face template and a template comparison.
Milliseconds, median (p50) and p95 after a few warm-up calls (the first call loads the models).
"""

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from tests.faces.portraits import astronaut_on_plain_background, cameraman, compliant, png  # noqa: E402

from cancuoc.faces import landmarks  # noqa: E402
from cancuoc.faces.crop import to_chip_portrait  # noqa: E402
from cancuoc.faces.images import decode_image  # noqa: E402
from cancuoc.faces.quality import check_portrait  # noqa: E402
from cancuoc.faces.template import compare_faces, face_template  # noqa: E402
from report import percentiles, record  # noqa: E402


def timed(function, argument, runs: int, warm_up: int = 3) -> dict[str, float]:
    for _ in range(warm_up):
        function(argument)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function(argument)
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def cell(figures: dict[str, float]) -> str:
    return f"{figures['p50']:,.1f} / {figures['p95']:,.1f}"


def stages(data: bytes, runs: int) -> dict[str, dict[str, float]]:
    rgb = decode_image(data).rgb
    detection = landmarks.detect_faces(rgb)[0]
    report = check_portrait(data)
    assert report.acceptable, [result.message_en for result in report.failed]
    return {
        "decode": timed(decode_image, data, runs),
        "face detection": timed(landmarks.detect_faces, rgb, runs),
        "face mesh (478 points, irises)": timed(
            lambda image: landmarks.face_geometry(image, detection), rgb, runs
        ),
        # As the background check runs it: on a copy at most 512 px on its longer side.
        "selfie segmentation": timed(
            lambda image: landmarks.person_mask(landmarks.shrink_to(image, 512)[0]), rgb, runs
        ),
        "**check_portrait, total**": timed(check_portrait, data, runs),
        "to_chip_portrait (report given)": timed(
            lambda payload: to_chip_portrait(payload, report), data, runs
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    portrait = compliant(astronaut_on_plain_background())
    small = png(portrait)
    buffer = io.BytesIO()
    large = cv2.resize(portrait, (413 * 6, 531 * 6), interpolation=cv2.INTER_CUBIC)
    Image.fromarray(large).save(buffer, "JPEG", quality=90)
    phone = buffer.getvalue()

    first_start = time.perf_counter()
    check_portrait(small)
    first_check = (time.perf_counter() - first_start) * 1000
    figures_small, figures_phone = stages(small, args.runs), stages(phone, max(10, args.runs // 4))
    rows = "\n".join(
        f"| {name} | {cell(figures_small[name])} | {cell(figures_phone[name])} |" for name in figures_small
    )

    first_start = time.perf_counter()
    face_template(small)
    first_template = (time.perf_counter() - first_start) * 1000
    template_small = timed(face_template, small, args.runs)
    template_phone = timed(face_template, phone, max(10, args.runs // 4))
    enrolled, other = face_template(small), face_template(png(cameraman()))
    comparisons = 20_000
    start = time.perf_counter()
    for _ in range(comparisons):
        compare_faces(enrolled, other)
    compare_us = (time.perf_counter() - start) / comparisons * 1e6
    vectorised = np.random.default_rng(1).normal(size=(100_000, 128)).astype(np.float32)
    start = time.perf_counter()
    np.linalg.norm(vectorised - enrolled, axis=1)
    per_100k_ms = (time.perf_counter() - start) * 1000

    record(
        "portrait-checks",
        "Portrait checks, chip crop and face 1:1 (one process)",
        f"""`bench/portrait_checks.py`: {args.runs} runs on the 413 × 531 PNG, {max(10, args.runs // 4)} on the
2478 × 3186 JPEG (7.9 MP, a phone photo's size). Milliseconds, p50 / p95.

| stage | 413 × 531 PNG | 2478 × 3186 JPEG |
|---|---|---|
{rows}
| face template (MediaPipe detection + dlib 5-point alignment + ResNet descriptor) | {cell(template_small)} | {cell(template_phone)} |

| figure | measured |
|---|---|
| first `check_portrait` of a process (builds the three MediaPipe graphs) | {first_check:,.0f} ms |
| first `face_template` of a process (loads dlib's two model files) | {first_template:,.0f} ms |
| `compare_faces` of two templates | {compare_us:,.1f} µs |
| distances from one template to 100,000 stored ones (NumPy, one call) | {per_100k_ms:,.1f} ms |

The stages do not add up to the total exactly: the total also converts colours, measures exposure,
contrast and sharpness on the face, and counts the background's edges. Large captures cost mostly
decoding and the first shrink: detection runs on a copy at most 1024 px on its longer side, the mesh on
the face's region resized to 563 px, and the light, sharpness and background measures on a copy where
the eyes are at most 128 px apart (segmentation at most 512 px). A verification (`verify_face` against a
stored template) costs one face template; against an image, two. Figures vary by ±30 % between runs on
this shared 2-core machine.
""",
    )


if __name__ == "__main__":
    main()
