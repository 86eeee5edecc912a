"""A text model field stored encrypted (see ``crypto``): code reading and writing the model sees plain text.

``max_length`` keeps validating the plain value (forms, schemas); the column itself is ``text``, because a
sealed value is longer than what it hides. Lookups other than ``isnull`` make no sense on random
ciphertext and are refused, so that a filter on an encrypted column fails loudly instead of matching nothing.
"""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models

from . import crypto


class EncryptedCharField(models.CharField):
    encrypted = True  # the bulk insert path prepares such values through the field (registry/bulk.py)

    def __init__(self, *args, pad_to: int = 16, **kwargs):
        self.pad_to = pad_to
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.pad_to != 16:
            kwargs["pad_to"] = self.pad_to
        return name, path, args, kwargs

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def cast_db_type(self, connection):
        return self.db_type(connection)

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        # what the ciphertext is bound to: this table's column (a value moved elsewhere does not open);
        # computed once here, not per value
        self.context = f"{cls._meta.db_table}.{self.column}"

    def get_prep_value(self, value):
        if value is None:
            return None
        if not isinstance(value, str):
            value = super().get_prep_value(value)
        return crypto.seal(value, self.context, pad_to=self.pad_to)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return crypto.open_sealed(value, self.context)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"'{self.name}' được mã hóa, không lọc được theo giá trị / "
                f"'{self.name}' is encrypted and cannot be filtered by value ({lookup_name})"
            )
        return super().get_lookup(lookup_name)
