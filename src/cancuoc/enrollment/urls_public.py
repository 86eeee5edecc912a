"""Public pages, no login: appointment booking and the status of an application."""

from django.urls import path

from . import views_public

urlpatterns = [
    path("dat-lich/", views_public.book, name="public-booking"),
    path("dat-lich/da-dat/", views_public.booked, name="public-booking-done"),
    path("dat-lich/huy/", views_public.cancel, name="public-cancel"),
    path("tra-cuu/", views_public.status, name="public-status"),
]
