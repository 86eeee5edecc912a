"""Public pages, no login: appointment booking and the status of an application."""

urlpatterns: list = []
