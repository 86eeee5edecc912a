"""The shape of every domain's errors: an enumeration of codes (``<domain>/errors.py``), one message in
Vietnamese and one in English per code, and an exception that carries a code. Pure: no Django import."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import ClassVar


def bilingual(messages: Mapping[StrEnum, tuple[str, str]], code: StrEnum, /, **values) -> tuple[str, str]:
    """The Vietnamese and English messages of ``code``, with ``values`` filled in."""
    message_vi, message_en = messages[code]
    return message_vi.format(**values), message_en.format(**values)


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
