"""Error codes of portrait processing: an upload that is not an image, or an image that does not hold exactly
one usable face. One enumeration, one bilingual message per code (Vietnamese first)."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class FaceErrorCode(StrEnum):
    EMPTY = "empty"
    FILE_TOO_LARGE = "file_too_large"
    NOT_AN_IMAGE = "not_an_image"
    TOO_MANY_PIXELS = "too_many_pixels"
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    NO_LANDMARKS = "no_landmarks"
    BAD_TEMPLATE = "bad_template"


MESSAGES: dict[FaceErrorCode, tuple[str, str]] = {
    FaceErrorCode.EMPTY: ("Tệp ảnh trống", "The image file is empty"),
    FaceErrorCode.FILE_TOO_LARGE: ("Tệp ảnh quá lớn ({size:,} byte, tối đa {limit:,} byte)",
                                   "The image file is too large ({size:,} bytes, at most {limit:,})"),
    FaceErrorCode.NOT_AN_IMAGE: ("Không đọc được ảnh: tệp hỏng hoặc không phải JPEG/PNG",
                                 "The image cannot be read: the file is damaged or not a JPEG/PNG"),
    FaceErrorCode.TOO_MANY_PIXELS: ("Ảnh quá nhiều điểm ảnh ({pixels:,}, tối đa {limit:,})",
                                    "The image has too many pixels ({pixels:,}, at most {limit:,})"),
    FaceErrorCode.NO_FACE: ("Không tìm thấy khuôn mặt trong ảnh", "No face found in the image"),
    FaceErrorCode.SEVERAL_FACES: ("Ảnh có {count} khuôn mặt, cần đúng một",
                                  "The image shows {count} faces, exactly one is needed"),
    FaceErrorCode.NO_LANDMARKS: ("Không xác định được mắt, mũi, miệng của khuôn mặt",
                                 "The eyes, nose and mouth of the face cannot be located"),
    FaceErrorCode.BAD_TEMPLATE: ("Mẫu khuôn mặt không hợp lệ (cần 128 số thực)",
                                 "The face template is not valid (128 floating-point numbers expected)"),
}  # fmt: skip


class FaceError(CodedError, ValueError):
    """A portrait that cannot be used; ``str()`` gives Vietnamese / English."""

    MESSAGES = MESSAGES

    def __init__(self, code: FaceErrorCode, **values):
        super().__init__(code, **values)
