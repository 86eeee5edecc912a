"""The JSON API under /api/v1 (OpenAPI document at /api/v1/docs and /api/v1/openapi.json).

Each domain contributes a thin router; errors share one shape: ``{"code", "message_vi", "message_en"}``,
whatever went wrong: no answer carries a traceback or a server detail (those go to the server's log).
"""

import logging

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError, IntegrityError
from django.http import Http404, RawPostDataException
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth

from cancuoc.accounts.permissions import NotFound, PermissionDenied
from cancuoc.audit.api import router as audit_router
from cancuoc.biometrics.api import router as biometrics_router
from cancuoc.campaigns.api import router as campaigns_router
from cancuoc.campaigns.errors import CampaignError
from cancuoc.campaigns.errors import CampaignErrorCode as CC
from cancuoc.cards.api import router as cards_router
from cancuoc.cards.errors import CardError, CardErrorCode
from cancuoc.enrollment.api import router as enrollment_router
from cancuoc.enrollment.errors import HTTP_STATUS as ENROLLMENT_STATUS
from cancuoc.enrollment.errors import EnrollmentError
from cancuoc.issuance.api import router as issuance_router
from cancuoc.issuance.errors import HTTP_STATUS as ISSUANCE_STATUS
from cancuoc.issuance.errors import IssuanceError
from cancuoc.production.api import router as production_router
from cancuoc.production.errors import ProductionError
from cancuoc.registry.actions import RegistryError
from cancuoc.registry.api import router as registry_router
from cancuoc.relying.api import router as relying_router
from cancuoc.units.api import router as units_router
from cancuoc.web.errors import ErrorCode, code_for_status, error_body
from cancuoc.web.policies import content_security_policy

logger = logging.getLogger("cancuoc.api")


class JsonParser(Parser):
    """Bodies are JSON, declared as JSON: a JSON text sent as a form or multipart body is refused (400),
    not parsed. (Uploads, as in cards/verify, are read from request.FILES by their route.)"""

    def parse_body(self, request):
        if request.content_type != "application/json" and not request.content_type.endswith("+json"):
            raise ValueError(f"a JSON body was expected, not {request.content_type}")
        return super().parse_body(request)


api = NinjaAPI(
    title="cancuoc API",
    version="1",
    description="Căn cước: đăng ký dân cư, đơn vị hành chính, nhật ký truy cập / Population registry, units, audit",
    auth=django_auth,
    urls_namespace="api",
    parser=JsonParser(),
    # Swagger UI comes from Ninja's own static files ("ninja" in INSTALLED_APPS), never from a CDN, and
    # runs under the site's policy with one exception: its stylesheet draws icons as data: SVG images
    # (tests/e2e/test_content_security_policy.py expands, tries and executes an operation under it).
    docs_decorator=content_security_policy(img_src=("'self'", "data:")),
)
api.add_router("/units", units_router)
api.add_router("/", registry_router)
api.add_router("/audit", audit_router)
api.add_router("/cards", cards_router)
api.add_router("/biometrics", biometrics_router)
api.add_router("/", enrollment_router)
api.add_router("/production", production_router)
api.add_router("/", issuance_router)
api.add_router("/", relying_router)  # POST /api/v1/status (API key, not a session)
api.add_router("/campaigns", campaigns_router)


@api.exception_handler(EnrollmentError)
def enrollment_error(request, exc: EnrollmentError):
    return api.create_response(request, exc.as_dict(), status=ENROLLMENT_STATUS.get(exc.code, 422))


CARD_STATUS = {CardErrorCode.CARD_NOT_FOUND: 404, CardErrorCode.TRANSITION_REFUSED: 409,
               CardErrorCode.CARD_IN_USE_CHANGED: 409}  # fmt: skip


@api.exception_handler(CardError)
def card_error(request, exc: CardError):
    return api.create_response(request, exc.as_dict(), status=CARD_STATUS.get(exc.code, 422))


CAMPAIGN_STATUS = {CC.UNIT_NOT_FOUND: 404, CC.CITIZEN_NOT_FOUND: 404, CC.TEAM_BUSY: 409, CC.TEAM_EXISTS: 409}


@api.exception_handler(CampaignError)
def campaign_error(request, exc: CampaignError):
    return api.create_response(request, exc.as_dict(), status=CAMPAIGN_STATUS.get(exc.code, 422))


@api.exception_handler(ProductionError)
def production_error(request, exc: ProductionError):
    return api.create_response(request, exc.as_dict(), status=exc.http_status)


@api.exception_handler(IssuanceError)
def issuance_error(request, exc: IssuanceError):
    return api.create_response(request, exc.as_dict(), status=ISSUANCE_STATUS.get(exc.code, 422))


@api.exception_handler(NotFound)
def not_found(request, exc):
    return api.create_response(
        request,
        {"code": "not_found", "message_vi": "Không tìm thấy", "message_en": "Not found"},
        status=404,
    )


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(
        request,
        {"code": "forbidden", "message_vi": "Vai trò của bạn không được phép làm việc này",
         "message_en": "Your role is not allowed to do this"},
        status=403,
    )  # fmt: skip


@api.exception_handler(RegistryError)
def registry_error(request, exc: RegistryError):
    return api.create_response(
        request, {"code": "invalid", "problems": [p.as_dict() for p in exc.problems],
                  "message_vi": "Dữ liệu không hợp lệ", "message_en": "Invalid data"}, status=422
    )  # fmt: skip


@api.exception_handler(Http404)
def http_not_found(request, exc):
    return api.create_response(request, error_body(ErrorCode.NOT_FOUND), status=404)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # Messages of HttpError are written by our routes (and Ninja's "Cannot parse request body").
    code = code_for_status(exc.status_code)
    return api.create_response(request, error_body(code, detail=str(exc)), status=exc.status_code)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return api.create_response(request, error_body(ErrorCode.INVALID, detail=exc.errors), status=422)


@api.exception_handler(IntegrityError)
def conflict(request, exc):
    # A database constraint refused the change: another request won a race for the same row.
    logger.info("constraint refused %s %s: %s", request.method, request.path, exc)
    return api.create_response(request, error_body(ErrorCode.CONFLICT), status=409)


@api.exception_handler(DataError)
def data_error(request, exc):
    logger.info("database refused a value on %s %s: %s", request.method, request.path, exc)
    return api.create_response(request, error_body(ErrorCode.INVALID), status=422)


@api.exception_handler(RawPostDataException)
def form_body_for_json_route(request, exc):
    # A form or multipart body sent to a JSON route: the CSRF check has read it as a form already.
    return api.create_response(request, error_body(ErrorCode.UNSUPPORTED_MEDIA_TYPE), status=415)


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(BadRequest)
@api.exception_handler(MultiPartParserError)
def bad_request(request, exc):
    # What Django itself answers with 400: a body it cannot parse (a multipart body without boundary...).
    return api.create_response(request, error_body(ErrorCode.BAD_REQUEST), status=400)


@api.exception_handler(DjangoPermissionDenied)
def django_forbidden(request, exc):
    return api.create_response(request, error_body(ErrorCode.FORBIDDEN), status=403)


@api.exception_handler(RequestDataTooBig)
def too_large(request, exc):
    return api.create_response(request, error_body(ErrorCode.TOO_LARGE), status=413)


@api.exception_handler(Exception)
def server_error(request, exc):
    logger.error("Internal Server Error: %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(request, error_body(ErrorCode.SERVER_ERROR), status=500)
