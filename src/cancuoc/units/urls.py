from django.urls import path

from . import views

urlpatterns = [
    path("", views.browser, name="unit-browser"),
    path("search/", views.search, name="unit-search"),
    path("resolve/", views.resolve_address, name="unit-resolve"),
    path("<int:unit_id>/", views.browser, name="unit-detail"),
]
