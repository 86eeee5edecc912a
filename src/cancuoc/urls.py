from django.contrib import admin
from django.urls import include, path

from .api import api
from .web.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("cancuoc.accounts.urls")),
    path("units/", include("cancuoc.units.urls")),
    path("citizens/", include("cancuoc.registry.urls")),
    path("imports/", include("cancuoc.imports.urls")),
    path("audit/", include("cancuoc.audit.urls")),
    path("applications/", include("cancuoc.enrollment.urls")),
    path("", include("cancuoc.enrollment.urls_public")),
    path("production/", include("cancuoc.production.urls")),
    path("cards/", include("cancuoc.issuance.urls")),
    path("relying-parties/", include("cancuoc.relying.urls")),
    path("campaigns/", include("cancuoc.campaigns.urls")),
    path("", include("cancuoc.web.urls")),
]

# Error pages of the site (and the API's error shape under /api/): cancuoc.web.errors.
handler400 = "cancuoc.web.errors.bad_request"
handler403 = "cancuoc.web.errors.permission_denied"
handler404 = "cancuoc.web.errors.page_not_found"
handler500 = "cancuoc.web.errors.server_error"
