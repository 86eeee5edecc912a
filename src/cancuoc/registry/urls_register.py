"""Pages that write the registry (issue 8 §3): register a citizen or a birth, cancel a number, change a
residence. Included before the catch-all ``<str:id_number>/`` routes."""

from django.urls import path

from . import views_register

urlpatterns: list = [
    path("register/", views_register.register_citizen, name="citizen-register"),
    path("register/units/", views_register.unit_choices, name="register-unit-choices"),
    path("register/check-number/", views_register.check_number, name="register-check-number"),
    path("register-birth/", views_register.register_birth, name="birth-register"),
    path("numbers/cancel/", views_register.cancel_number, name="id-number-cancel"),
    path("<str:id_number>/residence/", views_register.change_residence, name="citizen-residence"),
]
