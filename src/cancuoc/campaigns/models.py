"""Models of cancuoc.campaigns."""

from django.db import models  # noqa: F401
