"""The evaluation: error rates computed the NIST way, on a tiny synthetic run; DET curves drawn; and the
package stays pure (no Django)."""

import json
import math
import subprocess
import sys

import numpy as np

from cancuoc.fingerprints.evaluation import error_rates, evaluate, plot_det, threshold_at


def test_threshold_at_allows_exactly_the_rate():
    impostor = np.arange(1000, dtype=float)  # 0 … 999
    t = threshold_at(impostor, 0.001)  # one impostor may reach it
    assert error_rates([], impostor, t)[1] == 0.001 and 998 < t <= 999
    assert (
        threshold_at(impostor, 0.01) > 989
        and error_rates([], impostor, threshold_at(impostor, 0.01))[1] == 0.01
    )
    # A genuine search whose mate was not in the candidate list (nan) counts as a miss at any threshold.
    miss, _ = error_rates(np.array([5.0, math.nan, 2000.0]), impostor, t)
    assert miss == 2 / 3


def test_a_tiny_run_reports_figures_and_curves(tmp_path):
    results = evaluate(4, 5, workers=1, non_mated=2, positions=(2, 7))
    assert results["people_enrolled"] == 4 and results["gallery_fingers"] == 8
    assert results["mated_searches"] == 4 and results["non_mated_searches"] == 2
    assert results["rank1_pct"] == 100.0 and results["fnir_at_threshold_pct"] == 0.0
    assert results["fpir_at_threshold_pct"] == 0.0
    assert results["single_genuine_pairs"] == 8 and results["single_impostor_pairs"] == 4 * 3 * 2
    assert results["timings"]["comparisons_per_search"] <= results["shortlist"] * 2
    curve = results["det_curve_11_single"]
    assert len(curve["threshold"]) == len(curve["false_match"]) == len(curve["false_non_match"])
    json.dumps(results)  # the command prints it as JSON
    plot_det(results, tmp_path)
    assert (tmp_path / "det-1n.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "det-11.png").stat().st_size > 1000
    plot_det(results, tmp_path / "both.png")
    assert (tmp_path / "both.png").exists()


def test_the_package_imports_without_django():
    program = (
        "import importlib, pkgutil, sys, json\n"
        "import cancuoc.fingerprints as package\n"
        "for info in pkgutil.iter_modules(package.__path__):\n"
        "    importlib.import_module(f'cancuoc.fingerprints.{info.name}')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    output = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert json.loads(output.stdout) == []
