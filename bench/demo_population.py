"""`cancuoc demo` speed: 100,000 synthetic citizens into a fresh SQLite database (goal: under a minute).

    python bench/demo_population.py [--citizens 100000]

The units are loaded first and not timed; the figure is the `demo` command alone, as a user runs it.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import ROOT, record  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=100_000)
    args = parser.parse_args()
    cancuoc = str(Path(sys.executable).with_name("cancuoc"))
    with tempfile.TemporaryDirectory() as var_dir:
        env = {
            **os.environ,
            "CANCUOC_VAR_DIR": var_dir,
            "CANCUOC_LEGACY_DATA_DIR": str(ROOT / "var" / "data"),
        }
        env.pop("DATABASE_URL", None)
        subprocess.run([cancuoc, "migrate", "-v0"], env=env, check=True)
        subprocess.run([cancuoc, "units", "load"], env=env, check=True, capture_output=True)
        start = time.perf_counter()
        subprocess.run([cancuoc, "demo", "--province", "01", "--citizens", str(args.citizens), "--seed", "1",
                        "--no-users"], env=env, check=True, capture_output=True)  # fmt: skip
        elapsed = time.perf_counter() - start
    verdict = "meets" if elapsed < 60 else "misses"
    record(
        "demo-population",
        f"Synthetic population: {args.citizens:,} citizens on SQLite",
        f"""`bench/demo_population.py`: `cancuoc demo --province 01 --citizens {args.citizens} --seed 1` into a fresh
SQLite database with the units already loaded (households, quality flags, number registration included).

| citizens | time | citizens/s | goal |
|---|---|---|---|
| {args.citizens:,} | {elapsed:.1f} s | {args.citizens / elapsed:,.0f} | under 60 s: **{verdict}** |
""",
    )


if __name__ == "__main__":
    main()
