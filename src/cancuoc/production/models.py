"""Models of cancuoc.production."""

from django.db import models  # noqa: F401
