"""The shape of every domain's errors: an enumeration of codes (``<domain>/errors.py``), one message in
Vietnamese and one in English per code, and an exception that carries a code. Pure: no Django import."""

from __future__ import annotations

import string
from collections.abc import Mapping
from enum import StrEnum
from typing import ClassVar


class _VietnameseFormatter(string.Formatter):
    """``{n:,}`` written the Vietnamese way: 100.000 (and 2,5 for a decimal)."""

    def format_field(self, value, format_spec):
        text = super().format_field(value, format_spec)
        if "," in format_spec and isinstance(value, int | float):
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text


_vietnamese = _VietnameseFormatter()


def bilingual(messages: Mapping[StrEnum, tuple[str, str]], code: StrEnum, /, **values) -> tuple[str, str]:
    """The Vietnamese and English messages of ``code``, with ``values`` filled in (numbers grouped the way
    each language writes them: 100.000 and 100,000)."""
    message_vi, message_en = messages[code]
    return _vietnamese.format(message_vi, **values), message_en.format(**values)


class CodedError(Exception):
    """An error with a code of its domain's enumeration; ``str()`` gives "Vietnamese / English"."""

    MESSAGES: ClassVar[Mapping[StrEnum, tuple[str, str]]] = {}

    def __init__(self, code: StrEnum, field: str = "", /, **values):
        self.code, self.field, self.values = code, field, values
        self.message_vi, self.message_en = bilingual(self.MESSAGES, code, **values)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.message_vi} / {self.message_en}"

    def as_dict(self) -> dict:
        return {"code": str(self.code), "message_vi": self.message_vi, "message_en": self.message_en}
