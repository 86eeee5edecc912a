"""Error codes of the card domain (the keystore, the trust material a verifier is given, uploads to the
verification API): one enumeration, one bilingual message per code. Pure: no Django import, so that
``cancuoc.icao.verify`` may raise them."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class CardErrorCode(StrEnum):
    # what the verifier is given
    FILE_UNREADABLE = "file_unreadable"
    DATE_INVALID = "date_invalid"
    # the keystore
    PASSPHRASE_REQUIRED = "passphrase_required"
    BACKEND_UNKNOWN = "backend_unknown"
    BACKEND_MISMATCH = "backend_mismatch"
    PKCS11_SETTINGS_MISSING = "pkcs11_settings_missing"
    TOKEN_FAILED = "token_failed"
    CSCA_EXISTS = "csca_exists"
    NO_CSCA = "no_csca"
    CSCA_CORRUPT = "csca_corrupt"
    NO_DOCUMENT_SIGNER = "no_document_signer"
    UNKNOWN_DOCUMENT_SIGNER = "unknown_document_signer"
    DS_CERTIFICATE_CORRUPT = "ds_certificate_corrupt"
    STATE_CORRUPT = "state_corrupt"
    KEY_MISSING = "key_missing"
    KEY_DAMAGED = "key_damaged"
    KEY_PASSPHRASE_WRONG = "key_passphrase_wrong"
    KEYSTORE_UNWRITABLE = "keystore_unwritable"
    OUTPUT_UNWRITABLE = "output_unwritable"
    # uploads to POST /api/v1/cards/verify
    UPLOAD_MALFORMED = "upload_malformed"
    UPLOAD_EMPTY = "upload_empty"
    UPLOAD_NAME = "upload_name"
    UPLOAD_DUPLICATE = "upload_duplicate"
    UPLOAD_TOO_LARGE = "upload_too_large"
    CSCA_UNAVAILABLE = "csca_unavailable"
    # who may get a card
    HOLDER_DECEASED = "holder_deceased"
    # the card's life (cards.lifecycle)
    CARD_NOT_FOUND = "card_not_found"
    TRANSITION_REFUSED = "transition_refused"
    REASON_REQUIRED = "reason_required"
    REASON_INVALID = "reason_invalid"
    CARD_IN_USE_CHANGED = "card_in_use_changed"


MESSAGES: dict[CardErrorCode, tuple[str, str]] = {
    CardErrorCode.FILE_UNREADABLE: ("Không đọc được tệp {path}: {detail}", "Cannot read {path}: {detail}"),
    CardErrorCode.DATE_INVALID: ("{value} không phải là một ngày có thật (dd/mm/yyyy)",
                                 "{value} is not a real date (dd/mm/yyyy)"),
    CardErrorCode.PASSPHRASE_REQUIRED: ("Cần đặt CANCUOC_PKI_PASSPHRASE khi chạy thật",
                                        "CANCUOC_PKI_PASSPHRASE must be set in production"),
    CardErrorCode.BACKEND_UNKNOWN: ("CANCUOC_PKI_BACKEND={name}: phải là 'file' hoặc 'pkcs11'",
                                    "CANCUOC_PKI_BACKEND={name}: must be 'file' or 'pkcs11'"),
    CardErrorCode.BACKEND_MISMATCH: ("Khóa trong {folder} do kho '{held}' giữ, không phải '{chosen}'",
                                     "the keys in {folder} are held by backend '{held}', not '{chosen}' "
                                     "(CANCUOC_PKI_BACKEND)"),
    CardErrorCode.PKCS11_SETTINGS_MISSING: (
        "CANCUOC_PKCS11_MODULE, CANCUOC_PKCS11_TOKEN và CANCUOC_PKCS11_PIN phải được đặt",
        "CANCUOC_PKCS11_MODULE, CANCUOC_PKCS11_TOKEN and CANCUOC_PKCS11_PIN must be set"),
    CardErrorCode.TOKEN_FAILED: ("Lỗi token PKCS#11: {detail}", "PKCS#11 token error: {detail}"),
    CardErrorCode.CSCA_EXISTS: ("Đã có CSCA trong {folder}; dùng --force để thay",
                                "a CSCA already exists in {folder}; use --force to replace it"),
    CardErrorCode.NO_CSCA: ("Chưa có CSCA trong {folder}: chạy `cancuoc pki init`",
                            "no CSCA in {folder}: run `cancuoc pki init` first"),
    CardErrorCode.CSCA_CORRUPT: ("Chứng chỉ CSCA {path} bị hỏng hoặc bị cắt cụt",
                                 "the CSCA certificate {path} is damaged or truncated"),
    CardErrorCode.NO_DOCUMENT_SIGNER: ("Chưa có Document Signer: chạy `cancuoc pki init`",
                                       "no Document Signer: run `cancuoc pki init`"),
    CardErrorCode.UNKNOWN_DOCUMENT_SIGNER: ("Không có Document Signer số {serial}",
                                            "no Document Signer with serial {serial}"),
    CardErrorCode.DS_CERTIFICATE_CORRUPT: ("Chứng chỉ Document Signer {path} bị thiếu, hỏng hoặc bị cắt cụt",
                                           "the Document Signer certificate {path} is missing, damaged or "
                                           "truncated"),
    CardErrorCode.STATE_CORRUPT: ("Tệp trạng thái {path} bị hỏng ({detail}); khôi phục từ bản sao lưu",
                                  "the state file {path} is damaged ({detail}); restore it from a backup"),
    CardErrorCode.KEY_MISSING: ("Thiếu khóa {path}", "missing key {path}"),
    CardErrorCode.KEY_DAMAGED: ("Tệp khóa {path} bị hỏng hoặc bị cắt cụt; khôi phục từ bản sao lưu",
                                "the key file {path} is damaged or truncated; restore it from a backup"),
    CardErrorCode.KEY_PASSPHRASE_WRONG: ("Không giải mã được {path}: sai CANCUOC_PKI_PASSPHRASE (hoặc tệp hỏng)?",
                                         "cannot decrypt {path}: wrong CANCUOC_PKI_PASSPHRASE (or a damaged file)?"),
    CardErrorCode.KEYSTORE_UNWRITABLE: ("Không ghi được vào {path}: {detail}", "cannot write {path}: {detail}"),
    CardErrorCode.OUTPUT_UNWRITABLE: ("Không ghi được tệp {path}: {detail}", "cannot write {path}: {detail}"),
    CardErrorCode.UPLOAD_MALFORMED: ("Yêu cầu không phải là multipart/form-data hợp lệ",
                                     "the request is not valid multipart/form-data"),
    CardErrorCode.UPLOAD_EMPTY: ("Không có tệp nào trong trường «files»", "no file in the field «files»"),
    CardErrorCode.UPLOAD_NAME: ("Tệp không hợp lệ {name}; chỉ nhận {accepted}",
                                "unexpected file {name}; accepted: {accepted}"),
    CardErrorCode.UPLOAD_DUPLICATE: ("Tệp {name} được gửi hai lần", "the file {name} was sent twice"),
    CardErrorCode.UPLOAD_TOO_LARGE: ("Tệp gửi lên quá lớn (tối đa {limit} byte)",
                                     "the upload is too large (at most {limit} bytes)"),
    CardErrorCode.CSCA_UNAVAILABLE: ("Không đọc được chứng chỉ CSCA quốc gia để kiểm tra",
                                     "the national CSCA certificate cannot be read to verify against"),
    CardErrorCode.HOLDER_DECEASED: ("Công dân {id_number} đã được ghi nhận là đã mất: không cá nhân hóa thẻ",
                                    "citizen {id_number} is recorded as deceased: no card is personalised"),
    CardErrorCode.CARD_NOT_FOUND: ("Không tìm thấy thẻ {serial}", "card {serial} not found"),
    CardErrorCode.TRANSITION_REFUSED: ("Thẻ {serial} đang ở trạng thái «{source_vi}»: không thể chuyển sang «{target_vi}»",
                                       "card {serial} is {source}: it cannot become {target}"),
    CardErrorCode.REASON_REQUIRED: ("Cần ghi lý do", "a reason is required"),
    CardErrorCode.REASON_INVALID: ("Lý do quá dài (tối đa 300 ký tự) hoặc chứa ký tự điều khiển",
                                   "the reason is too long (at most 300 characters) or holds control characters"),
    CardErrorCode.CARD_IN_USE_CHANGED: ("Công dân {id_number} vừa được giao một thẻ khác; tải lại trang và thử lại",
                                        "another card of citizen {id_number} was just handed over; reload and try again"),
}  # fmt: skip


class CardError(CodedError):
    """An error with a code and its message in Vietnamese and English; ``str()`` gives both."""

    MESSAGES = MESSAGES

    def __init__(self, code: CardErrorCode, **values):
        super().__init__(code, **values)
