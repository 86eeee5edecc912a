"""The capture page (find the citizen, confirm, kind, portrait, ten fingerprints, submit, print)."""

urlpatterns: list = []
