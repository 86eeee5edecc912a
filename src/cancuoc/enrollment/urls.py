"""Officer pages of enrollment under /applications/ (the capture page under /applications/capture/)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.application_list, name="application-list"),
    path("capture/", include("cancuoc.enrollment.urls_capture")),
    path("throughput/", views.throughput, name="application-throughput"),
    path("queue/", views.station_queue, name="station-queue"),
    path("stations/", views.stations, name="station-list"),
    path("<str:code>/", views.application_detail, name="application-detail"),
    path("<str:code>/decide/", views.application_decide, name="application-decide"),
    path("<str:code>/portrait.jpg", views.application_portrait, name="application-portrait"),
    path("<str:code>/duplicates/<int:candidate_id>/", views.duplicate_review, name="application-duplicate"),
]
