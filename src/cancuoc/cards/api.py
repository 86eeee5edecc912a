from datetime import UTC, date, datetime

from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from . import keystore
from .verify import MAX_FILE, verify_files

router = Router(tags=["cards"])
ACCEPTED = {"EF_COM.bin", "EF_SOD.bin", "mrz.txt", "qr.txt", *(f"DG{n}.bin" for n in range(1, 17))}


class CheckOut(Schema):
    name: str
    status: str
    reason: str


class VerificationOut(Schema):
    ok: bool
    checks: list[CheckOut]


@router.post(
    "/verify",
    response=VerificationOut,
    summary="Passive Authentication of a card's files against the national CSCA",
)
def verify(request, files: list[UploadedFile] = File(...), at: date | None = None):  # noqa: B008 (Ninja declares uploads so)
    contents = {}
    for upload in files:
        if upload.name not in ACCEPTED:
            raise HttpError(
                422, f"unexpected file {upload.name!r} / tệp không hợp lệ; expected {sorted(ACCEPTED)}"
            )
        if upload.size > MAX_FILE:
            raise HttpError(413, f"{upload.name} is too large / tệp quá lớn")
        contents[upload.name] = upload.read()
    try:
        from cryptography.hazmat.primitives import serialization

        from .verify import load_certificates

        _signer, csca = keystore.csca()
        trusted = load_certificates(csca.public_bytes(serialization.Encoding.PEM))
    except keystore.KeystoreError:
        trusted = []
    when = datetime.combine(at, datetime.min.time(), tzinfo=UTC) if at else None
    return verify_files(contents, trusted=trusted, at=when).as_dict()
