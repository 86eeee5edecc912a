"""The site's middleware: Vietnamese first, security headers, bounded bodies and clean error answers.

Vietnamese first: the interface is Vietnamese unless the user chose English with the switch. Django's
LocaleMiddleware would follow the browser's Accept-Language, which on most office PCs is English;
officers expect Vietnamese.
"""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils import translation
from django.utils.cache import patch_cache_control

from cancuoc.accounts.permissions import NotFound, PermissionDenied

from . import errors
from .policies import content_security_policy_header, permissions_policy_header


class VietnameseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy and ``Cache-Control: no-store`` on every answer Django
    makes: pages and API answers carry personal data and must stay out of shared and browser caches.

    Placed after WhiteNoise, which answers static files itself: they keep their long caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers["Content-Security-Policy"] = content_security_policy_header(response)
        response.headers["Permissions-Policy"] = permissions_policy_header(response)
        patch_cache_control(response, no_store=True)
        return response


class ErrorAnswersMiddleware:
    """Bounded request bodies and clean error answers.

    - A body larger than the site accepts is refused with 413 before anything reads it: the import
      upload (multipart) up to CANCUOC_IMPORT_MAX_BYTES, an enrollment application up to
      CANCUOC_APPLICATION_MAX_BYTES (read here), any other body up to DATA_UPLOAD_MAX_MEMORY_SIZE.
      Django itself raises RequestDataTooBig only when a view reads the body; that becomes 413 too.
    - The API reads JSON (and multipart uploads): a body of another type gets 415, not a parse attempt.
    - A view that lets the permission table's NotFound or PermissionDenied escape gets the 404/403 page.
    - A bare error answer (Django's 405, an ``HttpResponseForbidden("text")``) becomes the site's page,
      or the API's error shape under /api/.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = _declared_length(request)
        if length > _body_limit(request):
            return errors.error_response(request, errors.ErrorCode.TOO_LARGE)
        if length and errors.is_api(request) and not _is_api_media_type(request.content_type):
            return errors.api_error(errors.ErrorCode.UNSUPPORTED_MEDIA_TYPE)
        if _is_application_intake(request):
            # read here, within its own limit, so that Django's smaller limit for other bodies does not apply
            body = request.read(settings.CANCUOC_APPLICATION_MAX_BYTES + 1)
            if len(body) > settings.CANCUOC_APPLICATION_MAX_BYTES:
                return errors.error_response(request, errors.ErrorCode.TOO_LARGE)
            request._body = body
        return self._as_site_answer(request, self.get_response(request))

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            request._mark_post_parse_error()  # Django's own handler does the same: POST can't be read again
            return errors.error_response(request, errors.ErrorCode.TOO_LARGE)
        if isinstance(exception, NotFound):
            return errors.error_response(request, errors.ErrorCode.NOT_FOUND)
        if isinstance(exception, PermissionDenied):
            return errors.error_response(request, errors.ErrorCode.FORBIDDEN)
        return None

    @staticmethod
    def _as_site_answer(request, response):
        if response.status_code not in BARE_ERROR_STATUSES or response.streaming:
            return response
        content_type = response.headers.get("Content-Type", "")
        code = errors.code_for_status(response.status_code)
        if errors.is_api(request):
            if content_type.startswith("application/json"):
                return response
            answer = errors.api_error(code)
        else:
            text = response.content.decode(response.charset or "utf-8", "replace").strip()
            if not content_type.startswith("text/") or text.startswith("<") or len(text) > 500:
                return response  # already a page (or not meant for a person)
            answer = errors.error_page(
                request, code, message="" if code == errors.ErrorCode.METHOD_NOT_ALLOWED else text
            )
        if "Allow" in response.headers:
            answer.headers["Allow"] = response.headers["Allow"]
        return answer


BARE_ERROR_STATUSES = frozenset({400, 403, 404, 405})
# Room for the multipart boundaries and the other form fields around the import file.
MULTIPART_OVERHEAD = 1024 * 1024


def _declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _is_application_intake(request) -> bool:
    return request.method == "POST" and request.path == "/api/v1/applications"


def _body_limit(request) -> int:
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return settings.CANCUOC_IMPORT_MAX_BYTES + MULTIPART_OVERHEAD
    if _is_application_intake(request):
        return settings.CANCUOC_APPLICATION_MAX_BYTES  # a portrait and ten fingerprints, base64
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return sys.maxsize if limit is None else limit


def _is_api_media_type(content_type: str) -> bool:
    return content_type in ("application/json", "multipart/form-data") or content_type.endswith("+json")
