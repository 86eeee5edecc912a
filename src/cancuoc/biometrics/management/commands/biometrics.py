import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cancuoc.biometrics.folders import MAX_FILE_BYTES
from cancuoc.errors import CodedError
from cancuoc.progress import progress_bar


class Command(BaseCommand):
    help = ("Biometrics: `check-portrait FILE`, `check-finger FILE` (exit 0 when acceptable, 1 with the "
            "reasons otherwise), `synth --people N --impressions K --seed S --out DIR` (synthetic "
            "fingerprints), `evaluate --people N --seed S` (accuracy of the reference ABIS engine).")  # fmt: skip

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("check-portrait", "check-finger"):
            check = sub.add_parser(name)
            check.add_argument("file")
            check.add_argument("--json", action="store_true")
        synth = sub.add_parser("synth", help="synthetic fingerprints: DIR/PERSON/IMPRESSION/F.png")
        synth.add_argument("--people", type=int, required=True)
        synth.add_argument("--impressions", type=int, default=2)
        synth.add_argument("--seed", type=int, default=1)
        synth.add_argument("--out", required=True)
        synth.add_argument("--workers", type=int, default=1)
        evaluate = sub.add_parser("evaluate", help="FNIR/FPIR (1:N), FNMR/FMR (1:1) on synthetic prints")
        evaluate.add_argument("--people", type=int, required=True)
        evaluate.add_argument("--seed", type=int, default=1)
        evaluate.add_argument("--workers", type=int, default=2)
        evaluate.add_argument("--det", help="write DET curves (PNG) into this folder")
        evaluate.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        try:
            getattr(self, action.replace("-", "_"))(**options)
        except CodedError as error:
            raise CommandError(str(error)) from error

    def _read(self, file: str) -> bytes:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không có tệp {file} / no such file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"Tệp {file} quá lớn (tối đa {MAX_FILE_BYTES} byte) / file too large")
        return path.read_bytes()

    def check_portrait(self, file, json=False, **options):
        from cancuoc.faces.quality import check_portrait

        report = check_portrait(self._read(file))
        if json:
            self.stdout.write(_json({"file": file, **report.as_dict(), "acceptable": report.acceptable}))
        else:
            for result in report.checks:
                mark = "✓" if result.passed else "✗"
                self.stdout.write(f"{mark} {result.check}: {result.message_vi} / {result.message_en}")
            self.stdout.write("Đạt / acceptable" if report.acceptable else "Chưa đạt / not acceptable")
        if not report.acceptable:
            sys.exit(1)

    def check_finger(self, file, json=False, **options):
        from cancuoc.fingerprints.images import load_finger_image
        from cancuoc.fingerprints.quality import assess_finger
        from cancuoc.fingerprints.templates import extract_template

        image = load_finger_image(self._read(file))
        quality = assess_finger(image)
        minutiae = len(extract_template(image, 0, assess_quality=False).minutiae) if quality.acceptable else None
        reasons = [
            {"code": str(code), "message_vi": vi, "message_en": en} for code, vi, en in quality.reasons
        ]
        if json:
            self.stdout.write(_json({"file": file, "score": quality.score, "acceptable": quality.acceptable,
                                     "minutiae": minutiae, "reasons": reasons}))  # fmt: skip
        else:
            self.stdout.write(f"Chất lượng / quality (NFIQ 2, 0–100): {quality.score}")
            if minutiae is not None:
                self.stdout.write(f"Điểm đặc trưng / minutiae: {minutiae}")
            for reason in reasons:
                self.stdout.write(f"✗ {reason['message_vi']} / {reason['message_en']}")
            self.stdout.write("Đạt / acceptable" if quality.acceptable else "Chưa đạt / not acceptable")
        if not quality.acceptable:
            sys.exit(1)

    def synth(self, people, impressions, seed, out, workers, **options):
        from cancuoc.fingerprints.synth import write_dataset

        if people < 1 or impressions < 1 or workers < 1:
            raise CommandError("--people, --impressions và --workers phải ≥ 1 / must be at least 1")
        with progress_bar("Tạo vân tay / synthesising", people * impressions * 10) as update:
            count = write_dataset(Path(out), people, impressions, seed, workers=workers, progress=update)
        self.stdout.write(f"{count} ảnh / images → {out}")

    def evaluate(self, people, seed, workers, det=None, json=False, **options):
        from cancuoc.fingerprints.evaluation import evaluate, plot_det

        if people < 2:
            raise CommandError("--people phải ≥ 2 / must be at least 2")
        with progress_bar("Đánh giá / evaluating") as update:
            results = evaluate(people, seed, workers=workers, progress=update)
        if det:
            Path(det).mkdir(parents=True, exist_ok=True)
            plot_det(results, Path(det))
        curves = {key for key, value in results.items() if isinstance(value, dict) and "curve" in key}
        summary = {key: value for key, value in results.items() if key not in curves}
        self.stdout.write(_json(summary) if json else "\n".join(f"{k}: {v}" for k, v in summary.items()))


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
