"""Error codes of the relying-party service (API keys, status queries, the status list, the signing key):
one enumeration, one bilingual message per code, and the HTTP status each answers with. Pure: no Django
import."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class RelyingErrorCode(StrEnum):
    KEY_MISSING = "api_key_missing"
    KEY_INVALID = "api_key_invalid"
    SCOPE_MISSING = "scope_missing"
    RATE_LIMITED = "rate_limited"
    BODY_INVALID = "body_invalid"
    SERIAL_INVALID = "serial_invalid"
    PROOF_MISSING = "proof_missing"
    PROOF_INVALID = "proof_invalid"
    NONCE_INVALID = "nonce_invalid"
    CARD_UNKNOWN = "card_unknown"
    NAME_INVALID = "name_invalid"
    NAME_TAKEN = "name_taken"
    SCOPES_INVALID = "scopes_invalid"
    RATE_INVALID = "rate_invalid"
    PARTY_NOT_FOUND = "party_not_found"
    SIGNING_KEY_UNAVAILABLE = "signing_key_unavailable"
    LIST_UNREADABLE = "status_list_unreadable"
    LIST_SIGNATURE_INVALID = "status_list_signature_invalid"


MESSAGES: dict[RelyingErrorCode, tuple[str, str]] = {
    RelyingErrorCode.KEY_MISSING: ("Thiếu khóa API (tiêu đề Authorization: Bearer KHÓA)",
                                   "API key missing (header Authorization: Bearer KEY)"),
    RelyingErrorCode.KEY_INVALID: ("Khóa API không hợp lệ hoặc đã bị vô hiệu hóa",
                                   "the API key is invalid or disabled"),
    RelyingErrorCode.SCOPE_MISSING: ("Khóa API này không được dùng cho «{scope}»",
                                     "this API key is not allowed «{scope}»"),
    RelyingErrorCode.RATE_LIMITED: ("Quá {rate} truy vấn mỗi phút; thử lại sau {retry_after} giây",
                                    "over {rate} queries a minute; try again in {retry_after} s"),
    RelyingErrorCode.BODY_INVALID: ("Nội dung phải là một đối tượng JSON {{\"serial\", \"sod_sha256\" hoặc \"mrz\"}}",
                                    "the body must be a JSON object {{\"serial\", \"sod_sha256\" or \"mrz\"}}"),
    RelyingErrorCode.SERIAL_INVALID: ("Số sê-ri thẻ phải gồm 12 ký tự (C + 11 chữ số)",
                                      "a card serial is 12 characters (C + 11 digits)"),
    RelyingErrorCode.PROOF_MISSING: ("Cần đúng một bằng chứng giữ thẻ: \"sod_sha256\" hoặc \"mrz\"",
                                     "exactly one proof of holding the card is needed: \"sod_sha256\" or \"mrz\""),
    RelyingErrorCode.PROOF_INVALID: ("\"sod_sha256\" là 64 chữ số hex; \"mrz\" là 3 dòng 30 ký tự",
                                     "\"sod_sha256\" is 64 hex digits; \"mrz\" is 3 lines of 30 characters"),
    RelyingErrorCode.NONCE_INVALID: ("\"nonce\" tối đa 64 ký tự chữ, số, '-' hoặc '_'",
                                     "\"nonce\" is at most 64 letters, digits, '-' or '_'"),
    RelyingErrorCode.CARD_UNKNOWN: ("Không có thẻ với số sê-ri và bằng chứng này",
                                    "no card with this serial and proof"),
    RelyingErrorCode.NAME_INVALID: ("Tên bên sử dụng phải có 1 đến 120 ký tự, không có ký tự điều khiển",
                                    "a relying party's name is 1 to 120 characters without control characters"),
    RelyingErrorCode.NAME_TAKEN: ("Đã có bên sử dụng tên «{name}»", "a relying party named «{name}» exists"),
    RelyingErrorCode.SCOPES_INVALID: ("Phạm vi không hợp lệ: {scopes}; chỉ nhận {accepted}",
                                      "unknown scopes: {scopes}; accepted: {accepted}"),
    RelyingErrorCode.RATE_INVALID: ("Giới hạn phải là số nguyên từ 1 đến {limit:,} truy vấn mỗi phút",
                                    "the limit is a whole number from 1 to {limit:,} queries a minute"),
    RelyingErrorCode.PARTY_NOT_FOUND: ("Không có bên sử dụng «{name}»", "no relying party «{name}»"),
    RelyingErrorCode.SIGNING_KEY_UNAVAILABLE: ("Không dùng được khóa ký trạng thái: {detail}",
                                               "the status-signing key cannot be used: {detail}"),
    RelyingErrorCode.LIST_UNREADABLE: ("Không đọc được danh sách trạng thái {path}: {detail}",
                                       "cannot read the status list {path}: {detail}"),
    RelyingErrorCode.LIST_SIGNATURE_INVALID: ("Chữ ký của danh sách trạng thái không hợp lệ ({detail})",
                                              "the status list's signature is not valid ({detail})"),
}  # fmt: skip

HTTP_STATUS: dict[RelyingErrorCode, int] = {
    RelyingErrorCode.KEY_MISSING: 401,
    RelyingErrorCode.KEY_INVALID: 401,
    RelyingErrorCode.SCOPE_MISSING: 403,
    RelyingErrorCode.RATE_LIMITED: 429,
    RelyingErrorCode.BODY_INVALID: 400,
    RelyingErrorCode.CARD_UNKNOWN: 404,
    RelyingErrorCode.SIGNING_KEY_UNAVAILABLE: 503,
}


class RelyingError(CodedError):
    """An error with a code and its message in Vietnamese and English; ``str()`` gives both."""

    MESSAGES = MESSAGES

    def __init__(self, code: RelyingErrorCode, **values):
        super().__init__(code, **values)

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 422)
