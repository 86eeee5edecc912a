"""Runs every benchmark in turn (`make bench`). The PostgreSQL ones need a server on 127.0.0.1:5432."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for script, arguments in [
    ("unit_search.py", []),
    ("demo_population.py", []),
    ("card_crypto.py", []),
    ("card_faces.py", []),
    ("import_million.py", []),
    ("import_hostile_files.py", []),
    ("citizen_search.py", []),
    ("unit_search.py", ["--database-url", "postgresql://postgres@127.0.0.1:5432/cancuoc_bench"]),
]:
    print(f"== {script} {' '.join(arguments)}", flush=True)
    subprocess.run([sys.executable, str(HERE / script), *arguments], check=True)
