from django.urls import include, path

from . import views, views_changes

# Each group of pages keeps its own URL module; the catch-all citizen routes come last.
urlpatterns = [
    path("", views.search, name="citizen-search"),
    path("", include("cancuoc.registry.urls_register")),
    path("", include("cancuoc.registry.urls_households")),
    path("", include("cancuoc.registry.urls_lists")),
    path("changes/", views_changes.change_requests, name="change-requests"),
    path("changes/<int:pk>/", views_changes.change_decide, name="change-decide"),
    path("households/<int:household_id>/", views.household, name="household-detail"),
    path("<str:id_number>/", views.detail, name="citizen-detail"),
    path("<str:id_number>/change/", views.change, name="citizen-change"),
]
