"""Household pages that write (issue 8 §3): create a household, move a member into one, change the head.
Included before the catch-all ``<str:id_number>/`` routes."""

from django.urls import path

from . import views_households

urlpatterns: list = [
    path("households/new/", views_households.create, name="household-create"),
    path("households/<int:household_id>/move/", views_households.move_member, name="household-move-member"),
    path("households/<int:household_id>/head/", views_households.change_head, name="household-change-head"),
]
