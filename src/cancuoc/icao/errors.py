"""Error codes of the card documents themselves: a folder of card files or trust material (CSCA
certificates, CRLs) that the verifier cannot read. One enumeration, one bilingual message per code.
The Django side of cards has its own codes (``cancuoc.cards.errors``: keystore, uploads)."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class DocumentErrorCode(StrEnum):
    NOT_A_FOLDER = "not_a_folder"
    FILE_UNREADABLE = "file_unreadable"
    TRUST_UNREADABLE = "trust_unreadable"
    CRL_UNREADABLE = "crl_unreadable"


MESSAGES: dict[DocumentErrorCode, tuple[str, str]] = {
    DocumentErrorCode.NOT_A_FOLDER: ("{path} không phải là thư mục", "{path} is not a folder"),
    DocumentErrorCode.FILE_UNREADABLE: ("Không đọc được tệp {path}: {detail}", "Cannot read {path}: {detail}"),
    DocumentErrorCode.TRUST_UNREADABLE: ("{path} không chứa chứng chỉ CSCA đọc được: {detail}",
                                         "{path} holds no readable CSCA certificate: {detail}"),
    DocumentErrorCode.CRL_UNREADABLE: ("{path} không chứa danh sách thu hồi (CRL) đọc được: {detail}",
                                       "{path} holds no readable certificate revocation list: {detail}"),
}  # fmt: skip


class DocumentError(CodedError):
    """Card files or trust material that cannot be read; ``str()`` gives Vietnamese / English."""

    MESSAGES = MESSAGES

    def __init__(self, code: DocumentErrorCode, **values):
        super().__init__(code, **values)


class TrustMaterialError(DocumentError, ValueError):
    """Certificates or a CRL handed to the verifier that cannot be read."""
