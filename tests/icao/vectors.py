"""Where the real foreign documents of ../shared/vectors/icao are: read in place, never copied into the
repository. ``CANCUOC_SHARED_DIR`` if set, else a ``shared`` folder beside the checkout or above it."""

import os
from pathlib import Path

import pytest


def find_vectors() -> Path | None:
    candidates = [Path(os.environ["CANCUOC_SHARED_DIR"])] if os.environ.get("CANCUOC_SHARED_DIR") else []
    candidates += [parent / "shared" for parent in Path(__file__).resolve().parents]
    return next((c / "vectors" / "icao" for c in candidates if (c / "vectors" / "icao").is_dir()), None)


VECTORS = find_vectors()
MISSING = "shared/vectors/icao not found beside the checkout (set CANCUOC_SHARED_DIR)"
needs_vectors = pytest.mark.skipif(VECTORS is None, reason=MISSING)
