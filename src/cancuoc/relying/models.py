"""Models of cancuoc.relying."""

from django.db import models  # noqa: F401
