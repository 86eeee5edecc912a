"""Every error answer of the site, for pages and for the API alike.

A page gets a page of the site (base template, Vietnamese and English, no detail of the server); anything
under ``/api/`` gets the API's error shape ``{"code", "message_vi", "message_en"}``. No answer carries a
traceback, a path or a setting, whatever DEBUG says: the traceback goes to the server's log.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from cancuoc.errors import bilingual

logger = logging.getLogger("cancuoc.errors")

API_PREFIX = "/api/"


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    INVALID = "invalid"
    TOO_MANY_REQUESTS = "too_many_requests"
    SERVER_ERROR = "server_error"


STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.INVALID: 422,
    ErrorCode.TOO_MANY_REQUESTS: 429,
    ErrorCode.SERVER_ERROR: 500,
}

MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.BAD_REQUEST: ("Yêu cầu không đọc được", "The request could not be read"),
    ErrorCode.UNAUTHENTICATED: ("Hãy đăng nhập", "Log in first"),
    ErrorCode.FORBIDDEN: ("Bạn không được phép làm việc này", "You are not allowed to do this"),
    ErrorCode.NOT_FOUND: ("Không tìm thấy", "Not found"),
    ErrorCode.METHOD_NOT_ALLOWED: ("Phương thức không được hỗ trợ ở địa chỉ này",
                                   "This method is not allowed at this address"),
    ErrorCode.CONFLICT: ("Dữ liệu vừa được thay đổi bởi một yêu cầu khác; hãy tải lại và thử lại",
                         "Another request changed the same data at the same time; reload and try again"),
    ErrorCode.TOO_LARGE: ("Nội dung gửi lên quá lớn", "The request body is too large"),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: ("Kiểu nội dung không được hỗ trợ; hãy gửi JSON",
                                       "Unsupported content type; send JSON"),
    ErrorCode.INVALID: ("Dữ liệu không hợp lệ", "Invalid data"),
    ErrorCode.TOO_MANY_REQUESTS: ("Quá nhiều yêu cầu; hãy thử lại sau", "Too many requests; try again later"),
    ErrorCode.SERVER_ERROR: ("Lỗi máy chủ; sự cố đã được ghi lại", "Server error; the fault has been logged"),
}  # fmt: skip

CODE_OF_STATUS = {status: code for code, status in STATUS.items()}

# The last resort when even the 500 page cannot be rendered (the database or the templates failing).
PLAIN_SERVER_ERROR = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>500 · cancuoc</title></head>'
    "<body><h1>Lỗi máy chủ / Server error</h1><p>Sự cố đã được ghi lại. / The fault has been logged.</p>"
    "</body></html>"
)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error_body(code: ErrorCode, **extra) -> dict:
    message_vi, message_en = bilingual(MESSAGES, code)
    return {"code": str(code), "message_vi": message_vi, "message_en": message_en, **extra}


def code_for_status(status: int) -> ErrorCode:
    if status in CODE_OF_STATUS:
        return CODE_OF_STATUS[status]
    return ErrorCode.SERVER_ERROR if status >= 500 else ErrorCode.BAD_REQUEST


def api_error(code: ErrorCode, **extra) -> JsonResponse:
    return JsonResponse(
        error_body(code, **extra), status=STATUS[code], json_dumps_params={"ensure_ascii": False}
    )


def error_page(request: HttpRequest, code: ErrorCode, *, message: str = "") -> HttpResponse:
    """The site's page for one error; ``message`` is a text meant for the user (never a server detail)."""
    status = STATUS[code]
    message_vi, message_en = bilingual(MESSAGES, code)
    # The page does not echo the address asked for (the language switch returns home): a 404 for a
    # number outside the area must not differ from, nor repeat, anything of the request.
    context = {"status": status, "code": str(code), "message_vi": message_vi, "message_en": message_en,
               "message": message, "language_next": "/"}  # fmt: skip
    try:
        html = render_to_string(_template_for(status), context, request=request)
    except Exception:
        logger.exception("the error page %s could not be rendered", status)
        return HttpResponse(PLAIN_SERVER_ERROR, status=status)
    return HttpResponse(html, status=status)


def error_response(request: HttpRequest, code: ErrorCode, *, message: str = "") -> HttpResponse:
    return api_error(code) if is_api(request) else error_page(request, code, message=message)


def _template_for(status: int) -> str:
    return f"{status}.html" if status in (400, 403, 404, 405, 413, 500) else "web/error.html"


# Django's error views (handler400/403/404/500 in cancuoc.urls, CSRF_FAILURE_VIEW in settings).


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, ErrorCode.TOO_LARGE)
    return error_response(request, ErrorCode.BAD_REQUEST)


def permission_denied(request, exception=None):
    return error_response(request, ErrorCode.FORBIDDEN)


def page_not_found(request, exception=None):
    return error_response(request, ErrorCode.NOT_FOUND)


def server_error(request):
    return error_response(request, ErrorCode.SERVER_ERROR)


def csrf_failure(request, reason=""):
    logger.warning("CSRF check failed on %s: %s", request.path, reason)
    return error_response(request, ErrorCode.FORBIDDEN)


class QuietRefusals(logging.Filter):
    """Drops the traceback of a logged 4xx refusal (a ``PermissionDenied`` raised by the permission table
    is how an ordinary "no" travels): the line stays, with its status and path."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
