"""Is this capture good enough for the card? Checks of a portrait against the ICAO 9303 / ISO/IEC 19794-5
requirements, each ending in an instruction the officer can act on ("move closer", "too dark"), in
Vietnamese and English, and the measured value behind it.

Sources of the thresholds (the standards' texts are not in this repository: the values below are the
commonly cited ones, to be checked clause by clause against the purchased texts before certification):

- ISO/IEC 19794-5:2005, full-frontal face image: at least 90 pixels between the eye centres (180 for the
  width of the head); head rotation within ±5° of frontal in yaw and pitch, ±8° in roll; eyes open and
  visible; at least 7 bits of intensity variation (a range of 128 grey levels) in the face region; a
  plain background; for the final image, eyes horizontally within 45-55 % of the width and the eye line
  at 50-70 % of the height from the bottom.
- ICAO Doc 9303 Part 3 and the ICAO technical report "Portrait Quality (Reference Facial Images for
  MRTD)" (2018): chin to crown 70-80 % of the portrait's height (32-36 mm of 45 mm), the face in sharp
  focus, evenly lit without shadows or over-exposed areas, in front of a plain light background.
- ISO/IEC 29794-5 (face image quality) names the measures used here for exposure, dynamic range and
  sharpness, but leaves the pass/fail limits to the system: those limits are this module's own, set on
  test images (see ``tests/faces``) and marked as such below.

The capture is not the chip portrait: ``faces.crop.to_chip_portrait`` cuts the 35 × 45 ICAO frame out of
it. So the size and position checks ask whether that frame can be cut (the head, with its margins,
inside the picture and big enough), not whether the capture already is that frame.

Order and dependencies: DECODES first (if it fails nothing else runs); RESOLUTION and ONE_FACE always
run on a decoded image; the other checks need exactly one face and are left out of the report when
there is none (ONE_FACE then carries the instruction).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import cv2
import numpy as np

from cancuoc.errors import bilingual

from . import landmarks
from .errors import FaceError, FaceErrorCode
from .images import decode_image
from .landmarks import FaceGeometry

# --- Thresholds ------------------------------------------------------------------------------------

MIN_IMAGE_WIDTH = 413  # the chip portrait's width: 35 mm at 300 dpi (ICAO 9303 Part 3)
MIN_INTER_EYE_PIXELS = 90.0  # ISO/IEC 19794-5 full frontal
# Head height (chin to crown) as a share of the capture's height. ICAO wants 70-80 % in the portrait; the
# crop zooms in, so the capture may hold a smaller head, down to half its height (own limit: below that
# the officer is told to move closer, the face guide of the camera screen is not being filled).
MIN_HEAD_SHARE, MAX_HEAD_SHARE = 0.50, 0.80
# The frame cut by the crop: head 75 % of its height (ICAO 70-80 %), eyes centred, 35:45.
CHIP_HEAD_SHARE = 0.75
CHIP_ASPECT = 35 / 45
# Position: how far the ICAO frame may stick out of the capture, as a share of the frame, before the
# crop would have to invent more than a sliver of background (own limit).
MAX_FRAME_OVERHANG = 0.04
# Pose. ISO asks ±5° yaw and pitch; the mesh's depth is an estimate (a few degrees off on frontal test
# faces), so yaw and pitch get a margin. Roll is measured from the two irises and is kept at ISO's ±8°.
MAX_ROLL_DEGREES = 8.0
MAX_YAW_DEGREES = 10.0
MAX_PITCH_DEGREES = 12.0
# Eye aspect ratio (lid opening / eye width): open eyes measure 0.25-0.35, closed ones under 0.15.
MIN_EYE_ASPECT_RATIO = 0.18
# Exposure of the face oval, 8-bit luma (own limits): median skin-and-features level, share of clipped
# pixels, and the ratio of the darker half-face's median to the brighter one's (shadows). The lower median
# limit is kept low so that dark skin in good light is not called too dark; under-exposure also shows
# as near-black pixels, which the clipped share counts.
MIN_FACE_MEDIAN, MAX_FACE_MEDIAN = 70.0, 215.0
MAX_CLIPPED_SHARE = 0.05
DARK_LEVEL, BRIGHT_LEVEL = 10, 250
MIN_SIDE_LIGHT_RATIO = 0.65
# Contrast: ISO/IEC 19794-5's 7 bits of intensity variation in the face region, measured between the
# 1st and 99th percentiles so a few specular pixels do not count.
MIN_FACE_RANGE = 128.0
# Sharpness: standard deviation of the Laplacian (finest detail) over that of the face minus a Gaussian
# blur of σ = 5 px (the detail band), on the face scaled so the eyes are 64 px apart: independent of the
# resolution, of the exposure and of a shadow across the face. The test faces measure 0.64 (the
# astronaut upsampled 2.6 times), 0.81 (the astronaut as published) and 1.14 (a film scan); Gaussian
# blurs of σ = 1.5, 2 and 3 px on the 413-px-wide test portrait give 0.41, 0.33 and 0.25 (own limit).
# Sensor noise raises the measure.
SHARPNESS_EYE_PIXELS = 64.0
# Exposure, contrast, sharpness and background are measured on a copy scaled so the eyes are at most this
# far apart (twice the sharpness scale, so its measure is unchanged).
ANALYSIS_EYE_PIXELS = 128.0
SHARPNESS_BAND_SIGMA = 5.0
MIN_SHARPNESS = 0.40
# Background: the pixels the segmentation gives less than 10 % chance of being the person, 3 % of the image
# away from the person, above the chin, judged on a copy at most 512 px on its longer side (so the limits do
# not depend on the resolution). Plain means few edges (Canny) and light (own limits).
BACKGROUND_ANALYSIS_SIDE = 512
BACKGROUND_PERSON_PROBABILITY = 0.10
MAX_BACKGROUND_EDGE_SHARE = 0.015
MIN_BACKGROUND_LUMA = 120.0
MIN_BACKGROUND_SHARE = 0.03  # below this there is too little background to judge, and it is not failed


class PortraitCheck(StrEnum):
    DECODES = "decodes"
    RESOLUTION = "resolution"
    ONE_FACE = "one_face"
    FACE_SIZE = "face_size"
    FACE_POSITION = "face_position"
    POSE = "pose"
    EYES_VISIBLE = "eyes_visible"
    EXPOSURE = "exposure"
    CONTRAST = "contrast"
    SHARPNESS = "sharpness"
    BACKGROUND = "background"


class Advice(StrEnum):
    """What the officer is told: a confirmation when a check passed, the action when it failed."""

    DECODED = "decoded"
    NOT_AN_IMAGE = "not_an_image"
    IMAGE_TOO_LARGE = "image_too_large"
    RESOLUTION_OK = "resolution_ok"
    IMAGE_WIDE_ENOUGH = "image_wide_enough"
    IMAGE_TOO_SMALL = "image_too_small"
    TOO_FEW_FACE_PIXELS = "too_few_face_pixels"
    ONE_FACE = "one_face"
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    FACE_UNCLEAR = "face_unclear"
    SIZE_OK = "size_ok"
    MOVE_CLOSER = "move_closer"
    MOVE_BACK = "move_back"
    POSITION_OK = "position_ok"
    TOO_FAR_LEFT = "too_far_left"
    TOO_FAR_RIGHT = "too_far_right"
    HEAD_CUT_OFF = "head_cut_off"
    CHIN_TOO_LOW = "chin_too_low"
    POSE_OK = "pose_ok"
    HEAD_TILTED = "head_tilted"
    HEAD_TURNED = "head_turned"
    HEAD_NODDED = "head_nodded"
    EYES_OK = "eyes_ok"
    EYES_CLOSED = "eyes_closed"
    EXPOSURE_OK = "exposure_ok"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    UNEVEN_LIGHT = "uneven_light"
    CONTRAST_OK = "contrast_ok"
    LOW_CONTRAST = "low_contrast"
    SHARP = "sharp"
    BLURRED = "blurred"
    BACKGROUND_OK = "background_ok"
    BUSY_BACKGROUND = "busy_background"
    DARK_BACKGROUND = "dark_background"


MESSAGES: dict[Advice, tuple[str, str]] = {
    Advice.DECODED: ("Đọc được ảnh", "The image can be read"),
    Advice.NOT_AN_IMAGE: ("Không đọc được ảnh: chụp lại hoặc tải lên một tệp JPEG/PNG khác",
                          "The image cannot be read: take the photo again or upload another JPEG/PNG file"),
    Advice.IMAGE_TOO_LARGE: ("Tệp ảnh quá lớn: chụp lại hoặc giảm kích thước ảnh rồi tải lên",
                             "The image file is too large: take the photo again or make it smaller before uploading"),
    Advice.RESOLUTION_OK: ("Độ phân giải đủ (hai mắt cách nhau {value:.0f} điểm ảnh)",
                           "Resolution is sufficient ({value:.0f} pixels between the eyes)"),
    Advice.IMAGE_WIDE_ENOUGH: ("Ảnh đủ lớn (rộng {value:.0f} điểm ảnh)", "The image is large enough ({value:.0f} pixels wide)"),
    Advice.IMAGE_TOO_SMALL: ("Ảnh quá nhỏ (rộng {value:.0f} điểm ảnh, cần ít nhất 413): dùng máy ảnh hoặc chế độ chụp có độ phân giải cao hơn",
                             "The image is too small ({value:.0f} pixels wide, at least 413 needed): use a camera or setting with a higher resolution"),
    Advice.TOO_FEW_FACE_PIXELS: ("Khuôn mặt quá ít điểm ảnh (hai mắt cách nhau {value:.0f}, cần ít nhất 90): đưa máy ảnh lại gần hơn hoặc tăng độ phân giải",
                                 "Too few pixels on the face ({value:.0f} between the eyes, at least 90 needed): move the camera closer or raise the resolution"),
    Advice.ONE_FACE: ("Có đúng một khuôn mặt", "Exactly one face"),
    Advice.NO_FACE: ("Không thấy khuôn mặt: người được chụp nhìn thẳng vào máy ảnh, bỏ khẩu trang và kính râm",
                     "No face found: the person should face the camera, without a mask or sunglasses"),
    Advice.SEVERAL_FACES: ("Có {value:.0f} khuôn mặt trong ảnh: chỉ để một người trong khung hình",
                           "{value:.0f} faces in the image: only one person may be in the frame"),
    Advice.FACE_UNCLEAR: ("Không xác định được mắt, mũi, miệng: bỏ vật che mặt rồi chụp lại",
                          "The eyes, nose and mouth cannot be located: uncover the face and take the photo again"),
    Advice.SIZE_OK: ("Kích thước khuôn mặt phù hợp", "The face size is right"),
    Advice.MOVE_CLOSER: ("Khuôn mặt quá nhỏ trong khung hình: đưa máy ảnh lại gần hơn",
                         "The face is too small in the frame: move the camera closer"),
    Advice.MOVE_BACK: ("Khuôn mặt quá to trong khung hình: lùi máy ảnh ra xa hơn",
                       "The face is too large in the frame: move the camera back"),
    Advice.POSITION_OK: ("Khuôn mặt nằm giữa khung hình", "The face is well placed in the frame"),
    Advice.TOO_FAR_LEFT: ("Khuôn mặt quá sát mép trái ảnh: đưa khuôn mặt vào giữa khung hình",
                          "The face is too close to the left edge: centre the face in the frame"),
    Advice.TOO_FAR_RIGHT: ("Khuôn mặt quá sát mép phải ảnh: đưa khuôn mặt vào giữa khung hình",
                           "The face is too close to the right edge: centre the face in the frame"),
    Advice.HEAD_CUT_OFF: ("Đỉnh đầu bị cắt hoặc quá sát mép trên: để khoảng trống phía trên đầu",
                          "The top of the head is cut off or too close to the top edge: leave space above the head"),
    Advice.CHIN_TOO_LOW: ("Cằm quá sát mép dưới: để khoảng trống dưới cằm",
                          "The chin is too close to the bottom edge: leave space below the chin"),
    Advice.POSE_OK: ("Nhìn thẳng vào máy ảnh", "Looking straight at the camera"),
    Advice.HEAD_TILTED: ("Đầu nghiêng sang một bên ({value:.0f}°): giữ đầu thẳng",
                         "The head is tilted sideways ({value:.0f}°): hold the head upright"),
    Advice.HEAD_TURNED: ("Mặt quay sang một bên ({value:.0f}°): nhìn thẳng vào máy ảnh",
                         "The face is turned to one side ({value:.0f}°): look straight at the camera"),
    Advice.HEAD_NODDED: ("Đầu cúi xuống hoặc ngẩng lên ({value:.0f}°): giữ cằm ngang và nhìn thẳng vào máy ảnh",
                         "The head is tipped up or down ({value:.0f}°): keep the chin level and look straight at the camera"),
    Advice.EYES_OK: ("Hai mắt mở, nhìn thấy rõ", "Both eyes are open and visible"),
    Advice.EYES_CLOSED: ("Mắt nhắm hoặc bị che: mở mắt, vén tóc và bỏ kính che mắt",
                         "The eyes are closed or covered: open the eyes, move hair or glasses away from them"),
    Advice.EXPOSURE_OK: ("Độ sáng khuôn mặt phù hợp", "The face is well lit"),
    Advice.TOO_DARK: ("Khuôn mặt quá tối: bật thêm đèn chiếu phía trước mặt",
                      "The face is too dark: add light in front of the face"),
    Advice.TOO_BRIGHT: ("Khuôn mặt quá sáng, mất chi tiết: giảm ánh sáng hoặc tắt đèn flash",
                        "The face is too bright and loses detail: reduce the light or turn off the flash"),
    Advice.UNEVEN_LIGHT: ("Ánh sáng không đều, một bên mặt bị tối: chiếu sáng đều hai bên mặt",
                          "Uneven light, one side of the face is in shadow: light both sides of the face evenly"),
    Advice.CONTRAST_OK: ("Độ tương phản đủ", "Contrast is sufficient"),
    Advice.LOW_CONTRAST: ("Ảnh nhạt, thiếu tương phản: chụp lại với ánh sáng tốt hơn",
                          "The image is washed out, with too little contrast: take the photo again in better light"),
    Advice.SHARP: ("Ảnh rõ nét", "The image is sharp"),
    Advice.BLURRED: ("Ảnh bị nhòe: giữ máy ảnh thật yên, lấy nét vào khuôn mặt rồi chụp lại",
                     "The image is blurred: hold the camera still, focus on the face and take the photo again"),
    Advice.BACKGROUND_OK: ("Phông nền trơn, sáng màu", "Plain, light background"),
    Advice.BUSY_BACKGROUND: ("Phông nền có đồ vật hoặc hoa văn: chụp trước phông nền trơn, sáng màu",
                             "Objects or patterns behind the person: take the photo in front of a plain, light background"),
    Advice.DARK_BACKGROUND: ("Phông nền quá tối: chụp trước phông nền sáng màu (trắng hoặc xám nhạt)",
                             "The background is too dark: use a light background (white or light grey)"),
}  # fmt: skip


@dataclass(frozen=True)
class CheckResult:
    check: PortraitCheck
    passed: bool
    message_vi: str
    message_en: str
    value: float | None
    advice: Advice = Advice.DECODED

    def as_dict(self) -> dict:
        value = None if self.value is None else round(float(self.value), 4)
        return {"check": str(self.check), "passed": self.passed, "advice": str(self.advice),
                "message_vi": self.message_vi, "message_en": self.message_en, "value": value}  # fmt: skip


def _result(check: PortraitCheck, passed: bool, advice: Advice, value: float | None = None) -> CheckResult:
    message_vi, message_en = bilingual(MESSAGES, advice, value=value if value is not None else 0)
    return CheckResult(check, passed, message_vi, message_en, None if value is None else float(value), advice)


@dataclass(frozen=True)
class FacePoints:
    """Where the face is, in pixels of the decoded (upright) image: "left" and "right" as seen in the image."""

    left_eye: tuple[float, float]
    right_eye: tuple[float, float]
    nose_tip: tuple[float, float]
    mouth_left: tuple[float, float]
    mouth_right: tuple[float, float]
    chin: tuple[float, float]
    crown: tuple[float, float]  # estimated (see ``FaceGeometry.head_height``)
    inter_eye_distance: float
    head_height: float
    yaw: float
    pitch: float
    roll: float

    @classmethod
    def of(cls, geometry: FaceGeometry) -> FacePoints:
        def xy(point) -> tuple[float, float]:
            return (round(float(point[0]), 2), round(float(point[1]), 2))

        return cls(
            left_eye=xy(geometry.left_eye),
            right_eye=xy(geometry.right_eye),
            nose_tip=xy(geometry.point(landmarks.NOSE_TIP)),
            mouth_left=xy(geometry.point(landmarks.MOUTH_CORNERS[0])),
            mouth_right=xy(geometry.point(landmarks.MOUTH_CORNERS[1])),
            chin=xy(geometry.chin),
            crown=xy(geometry.crown),
            inter_eye_distance=round(geometry.inter_eye_distance, 2),
            head_height=round(geometry.head_height, 2),
            yaw=round(geometry.yaw, 2),
            pitch=round(geometry.pitch, 2),
            roll=round(geometry.roll, 2),
        )

    @property
    def eye_midpoint(self) -> tuple[float, float]:
        return ((self.left_eye[0] + self.right_eye[0]) / 2, (self.left_eye[1] + self.right_eye[1]) / 2)

    def as_dict(self) -> dict:
        return {
            name: list(value) if isinstance(value, tuple) else value for name, value in self.__dict__.items()
        }


@dataclass(frozen=True)
class PortraitReport:
    checks: tuple[CheckResult, ...]
    face_box: tuple[int, int, int, int] | None = None  # x, y, width, height
    face: FacePoints | None = None
    image_size: tuple[int, int] | None = None  # width, height after EXIF rotation
    measures: Mapping[str, float] = field(default_factory=dict)  # every number measured, for tuning

    @property
    def acceptable(self) -> bool:
        return all(result.passed for result in self.checks)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.checks if not result.passed)

    def result(self, check: PortraitCheck) -> CheckResult | None:
        return next((result for result in self.checks if result.check == check), None)

    def as_dict(self) -> dict:
        return {
            "acceptable": self.acceptable,
            "failed": [str(result.check) for result in self.failed],
            "checks": [result.as_dict() for result in self.checks],
            "face_box": list(self.face_box) if self.face_box else None,
            "face": self.face.as_dict() if self.face else None,
            "image_size": list(self.image_size) if self.image_size else None,
            "measures": {name: round(float(value), 4) for name, value in self.measures.items()},
        }


# --- The checks ------------------------------------------------------------------------------------


def check_portrait(data: bytes) -> PortraitReport:
    """Every check of the portrait in ``data``. Never raises for bad input: an unreadable file gives a report
    whose only check, DECODES, failed."""
    try:
        image = decode_image(data)
    except FaceError as error:
        too_large = error.code in (FaceErrorCode.FILE_TOO_LARGE, FaceErrorCode.TOO_MANY_PIXELS)
        advice = Advice.IMAGE_TOO_LARGE if too_large else Advice.NOT_AN_IMAGE
        return PortraitReport((_result(PortraitCheck.DECODES, False, advice),))
    return check_rgb(image.rgb)


def check_rgb(rgb: np.ndarray) -> PortraitReport:
    """The checks after decoding, on an upright 8-bit RGB array."""
    height, width = rgb.shape[:2]
    measures: dict[str, float] = {}
    decodes = _result(PortraitCheck.DECODES, True, Advice.DECODED)
    faces = landmarks.detect_faces(rgb)
    measures["faces"] = len(faces)
    geometry = landmarks.face_geometry(rgb, faces[0]) if len(faces) == 1 else None
    if len(faces) != 1 or geometry is None:
        if not faces:
            one_face = _result(PortraitCheck.ONE_FACE, False, Advice.NO_FACE)
        elif len(faces) > 1:
            one_face = _result(PortraitCheck.ONE_FACE, False, Advice.SEVERAL_FACES, len(faces))
        else:
            one_face = _result(PortraitCheck.ONE_FACE, False, Advice.FACE_UNCLEAR)
        resolution = _result(PortraitCheck.RESOLUTION, width >= MIN_IMAGE_WIDTH,
                             Advice.IMAGE_WIDE_ENOUGH if width >= MIN_IMAGE_WIDTH else Advice.IMAGE_TOO_SMALL, width)  # fmt: skip
        boxes = [detection.box for detection in faces]
        return PortraitReport((decodes, resolution, one_face), boxes[0] if len(boxes) == 1 else None,
                              image_size=(width, height), measures=measures)  # fmt: skip
    # The image measures (light, sharpness, background) run on a copy where the eyes are about
    # ANALYSIS_EYE_PIXELS apart: a phone photo's face is several times larger than they need.
    factor = min(1.0, ANALYSIS_EYE_PIXELS / max(geometry.inter_eye_distance, 1.0))
    work, work_geometry = rgb, geometry
    if factor < 0.9:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        work = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        work_geometry = geometry.scaled(size[0] / width)
    luma = cv2.cvtColor(work, cv2.COLOR_RGB2GRAY)
    face_mask = work_geometry.face_mask(luma.shape)
    checks = (
        decodes,
        _check_resolution(width, geometry, measures),
        _result(PortraitCheck.ONE_FACE, True, Advice.ONE_FACE),
        _check_face_size(height, geometry, measures),
        _check_face_position(width, height, geometry, measures),
        _check_pose(geometry, measures),
        _check_eyes(geometry, measures),
        _check_exposure(luma, face_mask, work_geometry, measures),
        _check_contrast(luma, face_mask, measures),
        _check_sharpness(luma, face_mask, work_geometry, measures),
        _check_background(work, work_geometry, measures),
    )
    return PortraitReport(checks, faces[0].box, FacePoints.of(geometry), (width, height), measures)


def _check_resolution(width: int, geometry: FaceGeometry, measures: dict) -> CheckResult:
    distance = measures["inter_eye_distance"] = geometry.inter_eye_distance
    if width < MIN_IMAGE_WIDTH:
        return _result(PortraitCheck.RESOLUTION, False, Advice.IMAGE_TOO_SMALL, width)
    if distance < MIN_INTER_EYE_PIXELS:
        return _result(PortraitCheck.RESOLUTION, False, Advice.TOO_FEW_FACE_PIXELS, distance)
    return _result(PortraitCheck.RESOLUTION, True, Advice.RESOLUTION_OK, distance)


def _check_face_size(height: int, geometry: FaceGeometry, measures: dict) -> CheckResult:
    share = measures["head_share"] = geometry.head_height / height
    if share < MIN_HEAD_SHARE:
        return _result(PortraitCheck.FACE_SIZE, False, Advice.MOVE_CLOSER, share)
    if share > MAX_HEAD_SHARE:
        return _result(PortraitCheck.FACE_SIZE, False, Advice.MOVE_BACK, share)
    return _result(PortraitCheck.FACE_SIZE, True, Advice.SIZE_OK, share)


def _check_face_position(width: int, height: int, geometry: FaceGeometry, measures: dict) -> CheckResult:
    """Can the ICAO frame be cut? The smallest allowed frame (head at 80 % of its height) must fit, with the
    eyes within 45-55 % of its width, the crown inside it and a tenth of it below the chin."""
    head = geometry.head_height
    frame_height = head / MAX_HEAD_SHARE
    frame_width = frame_height * CHIP_ASPECT
    eye_x, eye_y = (float(value) for value in geometry.eye_midpoint)
    # How far each side of the best placement sticks out of the image, as a share of the frame.
    overhang = {
        Advice.TOO_FAR_LEFT: (0.45 * frame_width - eye_x) / frame_width,
        Advice.TOO_FAR_RIGHT: (eye_x + 0.45 * frame_width - width) / frame_width,
        Advice.HEAD_CUT_OFF: (head / 2 - eye_y) / frame_height,
        Advice.CHIN_TOO_LOW: (eye_y + head / 2 + 0.1 * frame_height - height) / frame_height,
    }
    if head > MAX_HEAD_SHARE * height:
        # Too close: FACE_SIZE says so; vertically nothing fits, so only left and right are judged here.
        del overhang[Advice.HEAD_CUT_OFF], overhang[Advice.CHIN_TOO_LOW]
    worst = max(overhang, key=overhang.get)
    value = measures["frame_overhang"] = max(0.0, overhang[worst])
    if value > MAX_FRAME_OVERHANG:
        return _result(PortraitCheck.FACE_POSITION, False, worst, value)
    return _result(PortraitCheck.FACE_POSITION, True, Advice.POSITION_OK, value)


def _check_pose(geometry: FaceGeometry, measures: dict) -> CheckResult:
    """The angle furthest beyond its limit is the one the officer hears about."""
    roll, yaw, pitch = geometry.roll, geometry.yaw, geometry.pitch
    measures.update(roll=roll, yaw=yaw, pitch=pitch)
    excess = {
        Advice.HEAD_TILTED: (abs(roll), MAX_ROLL_DEGREES),
        Advice.HEAD_TURNED: (abs(yaw), MAX_YAW_DEGREES),
        Advice.HEAD_NODDED: (abs(pitch), MAX_PITCH_DEGREES),
    }
    worst = max(excess, key=lambda advice: excess[advice][0] / excess[advice][1])
    angle, limit = excess[worst]
    if angle > limit:
        return _result(PortraitCheck.POSE, False, worst, angle)
    return _result(PortraitCheck.POSE, True, Advice.POSE_OK, max(abs(roll), abs(yaw), abs(pitch)))


def _check_eyes(geometry: FaceGeometry, measures: dict) -> CheckResult:
    ratios = (geometry.eye_aspect_ratio(landmarks.LEFT_EYE), geometry.eye_aspect_ratio(landmarks.RIGHT_EYE))
    measures["eye_aspect_ratio_left"], measures["eye_aspect_ratio_right"] = ratios
    opening = min(ratios)
    if opening < MIN_EYE_ASPECT_RATIO:
        return _result(PortraitCheck.EYES_VISIBLE, False, Advice.EYES_CLOSED, opening)
    return _result(PortraitCheck.EYES_VISIBLE, True, Advice.EYES_OK, opening)


def _check_exposure(
    luma: np.ndarray, face_mask: np.ndarray, geometry: FaceGeometry, measures: dict
) -> CheckResult:
    values = luma[face_mask]
    if values.size == 0:
        return _result(PortraitCheck.EXPOSURE, False, Advice.TOO_DARK, 0.0)
    median = measures["face_median_luma"] = float(np.median(values))
    dark = measures["face_dark_share"] = float(np.mean(values <= DARK_LEVEL))
    bright = measures["face_bright_share"] = float(np.mean(values >= BRIGHT_LEVEL))
    side_ratio = measures["face_side_light_ratio"] = _side_light_ratio(luma, face_mask, geometry)
    if median < MIN_FACE_MEDIAN or dark > MAX_CLIPPED_SHARE:
        return _result(PortraitCheck.EXPOSURE, False, Advice.TOO_DARK, median)
    if median > MAX_FACE_MEDIAN or bright > MAX_CLIPPED_SHARE:
        return _result(PortraitCheck.EXPOSURE, False, Advice.TOO_BRIGHT, median)
    if side_ratio < MIN_SIDE_LIGHT_RATIO:
        return _result(PortraitCheck.EXPOSURE, False, Advice.UNEVEN_LIGHT, side_ratio)
    return _result(PortraitCheck.EXPOSURE, True, Advice.EXPOSURE_OK, median)


def _side_light_ratio(luma: np.ndarray, face_mask: np.ndarray, geometry: FaceGeometry) -> float:
    """Median luma of the darker half of the face over the brighter half, split along the face's vertical
    axis (through the eye midpoint, perpendicular to the eye line)."""
    across = geometry.right_eye - geometry.left_eye
    ys, xs = np.nonzero(face_mask)
    side = (xs - geometry.eye_midpoint[0]) * across[0] + (ys - geometry.eye_midpoint[1]) * across[1]
    values = luma[ys, xs]
    left, right = values[side < 0], values[side > 0]
    if left.size == 0 or right.size == 0:
        return 0.0
    medians = sorted((float(np.median(left)), float(np.median(right))))
    return medians[0] / medians[1] if medians[1] > 0 else 0.0


def _check_contrast(luma: np.ndarray, face_mask: np.ndarray, measures: dict) -> CheckResult:
    values = luma[face_mask]
    low, high = np.percentile(values, [1, 99]) if values.size else (0.0, 0.0)
    spread = measures["face_luma_range"] = float(high - low)
    if spread < MIN_FACE_RANGE:
        return _result(PortraitCheck.CONTRAST, False, Advice.LOW_CONTRAST, spread)
    return _result(PortraitCheck.CONTRAST, True, Advice.CONTRAST_OK, spread)


def _check_sharpness(
    luma: np.ndarray, face_mask: np.ndarray, geometry: FaceGeometry, measures: dict
) -> CheckResult:
    value = measures["sharpness"] = face_sharpness(luma, face_mask, geometry)
    if value < MIN_SHARPNESS:
        return _result(PortraitCheck.SHARPNESS, False, Advice.BLURRED, value)
    return _result(PortraitCheck.SHARPNESS, True, Advice.SHARP, value)


def face_sharpness(luma: np.ndarray, face_mask: np.ndarray, geometry: FaceGeometry) -> float:
    x, y, w, h = cv2.boundingRect(face_mask.astype(np.uint8))
    if w < 4 or h < 4:
        return 0.0
    factor = SHARPNESS_EYE_PIXELS / max(geometry.inter_eye_distance, 1.0)
    size = (max(8, round(w * factor)), max(8, round(h * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    face = cv2.resize(luma[y : y + h, x : x + w].astype(np.float32), size, interpolation=interpolation)
    mask = cv2.resize(face_mask[y : y + h, x : x + w].astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    # Away from the oval's edge, where the background would add edges of its own.
    mask = cv2.erode(mask, np.ones((5, 5), np.uint8)).astype(bool)
    if mask.sum() < 50:
        return 0.0
    detail = float((face - cv2.GaussianBlur(face, (0, 0), SHARPNESS_BAND_SIGMA))[mask].std())
    return float(cv2.Laplacian(face, cv2.CV_32F)[mask].std()) / detail if detail > 1e-6 else 0.0


def _check_background(rgb: np.ndarray, geometry: FaceGeometry, measures: dict) -> CheckResult:
    small, factor = landmarks.shrink_to(rgb, BACKGROUND_ANALYSIS_SIDE)
    region = background_region(small, float(geometry.chin[1]) * factor)
    share = measures["background_share"] = float(region.mean())
    if share < MIN_BACKGROUND_SHARE:
        return _result(PortraitCheck.BACKGROUND, True, Advice.BACKGROUND_OK, None)
    luma = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(luma, (0, 0), 1.0), 40, 120) > 0
    edge_share = measures["background_edge_share"] = float(edges[region].mean())
    brightness = measures["background_median_luma"] = float(np.median(luma[region]))
    if edge_share > MAX_BACKGROUND_EDGE_SHARE:
        return _result(PortraitCheck.BACKGROUND, False, Advice.BUSY_BACKGROUND, edge_share)
    if brightness < MIN_BACKGROUND_LUMA:
        return _result(PortraitCheck.BACKGROUND, False, Advice.DARK_BACKGROUND, brightness)
    return _result(PortraitCheck.BACKGROUND, True, Advice.BACKGROUND_OK, edge_share)


def background_region(rgb: np.ndarray, chin_y: float) -> np.ndarray:
    """Pixels surely behind the person: low person probability, eroded away from the person's outline, and
    above the chin (below it, clothes and shoulders confuse the segmentation and matter less)."""
    probability = landmarks.person_mask(rgb)
    region = (probability < BACKGROUND_PERSON_PROBABILITY).astype(np.uint8)
    margin = max(3, round(0.03 * max(rgb.shape[:2])))
    region = cv2.erode(region, np.ones((margin, margin), np.uint8)).astype(bool)
    region[max(0, math.ceil(chin_y)) :, :] = False
    return region
