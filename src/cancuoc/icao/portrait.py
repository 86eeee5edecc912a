"""A stand-in portrait until enrollment captures real photos: a neutral silhouette, 413 × 531 pixels
(35 × 45 mm at 300 dpi), JPEG. Deterministic, so personalising twice gives the same DG2."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from .biometrics import JPEG, FaceImage

WIDTH, HEIGHT = 413, 531


def placeholder_portrait(sex: str = "M") -> FaceImage:
    image = Image.new("RGB", (WIDTH, HEIGHT), (232, 236, 241))
    draw = ImageDraw.Draw(image)
    tone = (120, 128, 140) if sex == "M" else (135, 120, 140)
    draw.ellipse((121, 90, 292, 300), fill=tone)  # head
    draw.rounded_rectangle((56, 320, 357, 600), radius=120, fill=tone)  # shoulders
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, optimize=True)
    return FaceImage(buffer.getvalue(), JPEG, WIDTH, HEIGHT, gender=1 if sex == "M" else 2)
