"""Officer pages of enrollment under /applications/ (the capture page under /applications/capture/)."""

from django.urls import include, path

urlpatterns = [
    path("capture/", include("cancuoc.enrollment.urls_capture")),
]
