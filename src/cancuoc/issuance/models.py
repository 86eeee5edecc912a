"""Models of cancuoc.issuance."""

from django.db import models  # noqa: F401
