"""The capture page (find the citizen, confirm, kind, portrait, ten fingerprints, submit, print)."""

from django.urls import path

from . import views_capture as views

urlpatterns = [
    path("", views.capture_page, name="capture-page"),
    path("search/", views.capture_search, name="capture-search"),
    path("citizen/<str:id_number>/", views.capture_citizen, name="capture-citizen"),
    path("citizen/<str:id_number>/correct/", views.capture_correct, name="capture-correct"),
    path("submit/", views.capture_submit, name="capture-submit"),
]
