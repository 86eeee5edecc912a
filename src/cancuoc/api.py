"""The JSON API under /api/v1 (OpenAPI document at /api/v1/docs and /api/v1/openapi.json).

Each domain contributes a thin router; errors share one shape: ``{"code", "message_vi", "message_en"}``.
"""

from ninja import NinjaAPI
from ninja.security import django_auth

from cancuoc.accounts.permissions import NotFound, PermissionDenied
from cancuoc.audit.api import router as audit_router
from cancuoc.cards.api import router as cards_router
from cancuoc.registry.actions import RegistryError
from cancuoc.registry.api import router as registry_router
from cancuoc.units.api import router as units_router

api = NinjaAPI(
    title="cancuoc API",
    version="1",
    description="Căn cước: đăng ký dân cư, đơn vị hành chính, nhật ký truy cập / Population registry, units, audit",
    auth=django_auth,
    urls_namespace="api",
)
api.add_router("/units", units_router)
api.add_router("/", registry_router)
api.add_router("/audit", audit_router)
api.add_router("/cards", cards_router)


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
