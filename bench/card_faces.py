"""Card face rendering speed, per core (one process).

    python bench/card_faces.py [--cards 300]

Each card: both layouts (text measured and wrapped), front and back PNG at 300 dpi (1011 × 638 px,
portrait cropped and resampled, QR drawn module by module) and the two-page PDF with embedded
subset fonts. Reported separately and together, in cards per second.
"""

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from cancuoc.icao import faces, fonts  # noqa: E402
from cancuoc.icao.personalisation import Holder, personalise  # noqa: E402
from cancuoc.icao.portrait import placeholder_portrait  # noqa: E402
from report import record, software_pki  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=300)
    args = parser.parse_args()
    ds_signer, ds_der = software_pki(dt.datetime(2026, 11, 1, tzinfo=dt.UTC))[2:]
    portrait = placeholder_portrait("F")
    data = []
    for i in range(args.cards):
        holder = Holder(f"001{190 + i % 10:03d}{i:06d}"[:12], "Nguyễn", "Thị Ngọc", "Hường", dt.date(1990, 1, 1 + i % 28),
                        "F", place_of_origin="Xã Thụy Trường, Tỉnh Hưng Yên",
                        place_of_residence=f"Số {i} ngõ 34 phố Nguyễn Trãi, Phường Thanh Xuân, Thành phố Hà Nội",
                        identifying_marks="Nốt ruồi C: 1cm trên trước mép phải")  # fmt: skip
        card = personalise(holder, issue_date=dt.date(2026, 11, 23), portrait=portrait, ds_signer=ds_signer,
                           ds_certificate_der=ds_der)  # fmt: skip
        data.append(faces.face_data(holder, card, portrait.data))
    with tempfile.TemporaryDirectory() as cache:
        typefaces = fonts.find_card_fonts(Path(cache))
        measure = faces.Measure(typefaces)
        faces.render_faces(data[0], typefaces, measure)  # warm-up: fonts loaded and registered once per process
        timings = {"layout": 0.0, "png": 0.0, "pdf": 0.0}
        sizes = {"png": 0, "pdf": 0}
        for item in data:
            start = time.perf_counter()
            front, back = faces.front_layout(item, measure), faces.back_layout(item, measure)
            laid_out = time.perf_counter()
            pngs = faces.render_png(front, typefaces), faces.render_png(back, typefaces)
            drawn = time.perf_counter()
            pdf = faces.render_pdf([front, back], typefaces)
            done = time.perf_counter()
            timings["layout"] += laid_out - start
            timings["png"] += drawn - laid_out
            timings["pdf"] += done - drawn
            sizes["png"] += sum(len(p) for p in pngs)
            sizes["pdf"] += len(pdf)
    total = sum(timings.values())
    n = args.cards

    def rate(seconds: float) -> str:
        return f"{n / seconds:,.1f} cards/s ({seconds / n * 1000:.1f} ms/card)"

    record(
        "card-faces",
        "Card face rendering (per core)",
        f"""`bench/card_faces.py`: {n} cards in one process, fonts loaded once.

| step | measured |
|---|---|
| layout (both faces: measuring, wrapping, shrinking, QR matrix) | {rate(timings["layout"])} |
| front + back PNG, 300 dpi | {rate(timings["png"])}; {sizes["png"] / n / 1024:.0f} KiB per card |
| two-page PDF, fonts embedded | {rate(timings["pdf"])}; {sizes["pdf"] / n / 1024:.0f} KiB per card |
| **everything (PNG + PDF)** | **{rate(total)}** |
""",
    )


if __name__ == "__main__":
    main()
