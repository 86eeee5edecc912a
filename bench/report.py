"""Shared by the bench scripts: machine facts, percentiles, and writing a figure into docs/benchmarks.md.

Each figure owns a block between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``; running a script
replaces its own block and leaves the others alone.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def database_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("select sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": cut[49], "p95": cut[94], "p99": cut[98], "max": ordered[-1], "n": len(ordered)}


def time_calls(function, arguments, warm_up: int = 30) -> dict[str, float]:
    """Percentiles (ms) of ``function(argument)`` over ``arguments``, after a few warm-up calls."""
    import time

    for argument in arguments[:warm_up]:
        function(argument)
    samples = []
    for argument in arguments:
        start = time.perf_counter()
        function(argument)
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "?"


def record(name: str, title: str, body: str) -> None:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%d/%m/%Y %H:%M UTC")
    block = (
        f"<!-- bench:{name} -->\n## {title}\n\n"
        f"Measured {stamp} at commit `{git_revision()}` on {machine()}.\n\n{body.strip()}\n<!-- /bench:{name} -->"
    )
    text = (
        DOC.read_text("utf-8")
        if DOC.exists()
        else "# Benchmarks\n\nEach figure is written by its script in `bench/`.\n"
    )
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    text = (
        pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    )
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, "utf-8")
    print(block)


def setup_django(database_url: str | None, var_dir: str | None = None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if var_dir:
        os.environ["CANCUOC_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cancuoc.settings")
    import django

    django.setup()


def software_pki(now):
    """(CSCA signer, CSCA certificate, DS signer, DS certificate DER) with software keys, for card benchmarks."""
    from cryptography.hazmat.primitives import serialization

    from cancuoc.icao import pki

    csca_signer = pki.SoftwareSigner.generate(pki.CSCA_CURVE)
    csca = pki.make_csca(csca_signer, now=now)
    ds_signer = pki.SoftwareSigner.generate()
    ds = pki.make_document_signer(csca_signer, csca, ds_signer.public_key(), now=now)
    return csca_signer, csca, ds_signer, ds.public_bytes(serialization.Encoding.DER)
