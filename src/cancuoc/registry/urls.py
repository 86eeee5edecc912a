from django.urls import path

from . import views

urlpatterns = [
    path("", views.search, name="citizen-search"),
    path("households/<int:household_id>/", views.household, name="household-detail"),
    path("<str:id_number>/", views.detail, name="citizen-detail"),
    path("<str:id_number>/change/", views.change, name="citizen-change"),
]
