"""WSQ finger images (the FBI's grey-scale wavelet compression, what many ten-print scanners send), read with
IDEMIA's ``wsq`` package: NIST NBIS's codec as a Pillow plugin (CeCILL-C).

NBIS's decoder is C written for trusted files: fuzzed here with damaged files it reads past its buffers and
sometimes kills the process (a segmentation fault). So the frame size is read from the header here, in
Python, with every bound checked, and the pixels are decoded in a child process with a memory limit and a
time limit: a hostile file costs one child, never the web server or the worker. The child prints
``width height`` as two big-endian 32-bit numbers, then the pixels.
"""

from __future__ import annotations

import struct
import subprocess
import sys

import numpy as np

WSQ_MAGIC = b"\xff\xa0"  # start of image
_SOF = b"\xff\xa2"
_SEGMENTS_WITH_LENGTH = {b"\xff\xa3", b"\xff\xa4", b"\xff\xa5", b"\xff\xa6", b"\xff\xa7", b"\xff\xa8"}
DECODE_SECONDS = 10
CHILD_MEMORY = 512 * 1024 * 1024


class WsqUnreadable(ValueError):
    """The file is not a WSQ image this reader can decode (damaged, truncated, or the decoder failed)."""


def frame_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the start-of-frame segment, walking the segments with their lengths."""
    if not data.startswith(WSQ_MAGIC):
        raise WsqUnreadable("no start-of-image marker")
    position = 2
    while position + 4 <= len(data):
        marker = data[position : position + 2]
        if marker == _SOF:
            if position + 10 > len(data):
                break
            height, width = struct.unpack(">HH", data[position + 6 : position + 10])
            return width, height
        if marker in _SEGMENTS_WITH_LENGTH:
            (length,) = struct.unpack(">H", data[position + 2 : position + 4])
            if length < 2:
                break
            position += 2 + length
            continue
        break
    raise WsqUnreadable("no start-of-frame segment")


def decode(data: bytes, *, expected: tuple[int, int]) -> np.ndarray:
    """The grey pixels of a WSQ image whose header announced ``expected`` (width, height), decoded in a child
    process; WsqUnreadable when the child fails, dies, overruns its time or answers another size."""
    try:
        done = subprocess.run([sys.executable, "-m", "cancuoc.fingerprints.wsq"], input=data, capture_output=True,
                              timeout=DECODE_SECONDS, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise WsqUnreadable("the decoder took too long") from None
    answer = done.stdout
    if done.returncode != 0 or len(answer) < 8:
        raise WsqUnreadable(f"the decoder failed ({done.returncode})")
    width, height = struct.unpack(">II", answer[:8])
    if (width, height) != expected or len(answer) != 8 + width * height:
        raise WsqUnreadable("the decoder answered another size")
    return np.frombuffer(answer, dtype=np.uint8, offset=8).reshape(height, width).copy()


def _child() -> int:  # pragma: no cover - runs in the child process (tests drive it through decode())
    import io
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    data = sys.stdin.buffer.read()
    import wsq  # noqa: F401  (registers the WSQ plugin with Pillow)
    from PIL import Image

    image = Image.open(io.BytesIO(data), formats=["WSQ"])
    image.load()
    pixels = image.convert("L").tobytes()
    sys.stdout.buffer.write(struct.pack(">II", *image.size) + pixels)
    return 0


if __name__ == "__main__":  # pragma: no cover
    try:
        sys.exit(_child())
    except Exception as error:  # any failure is one answer to the parent: unreadable
        sys.stderr.write(type(error).__name__)
        sys.exit(3)
