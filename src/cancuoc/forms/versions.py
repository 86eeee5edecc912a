"""Which form is which under which rules. The 2024 rules renumbered the forms (the 2015 capture sheet was
CC02, now it is CC01), so a printed form always names its code, its rules and the circular it comes from.

To add the 2015 forms, add their ``FormVersion`` entries to ``FORMS`` and a renderer per layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Unverified: the circular of the Ministry of Public Security that issued the 2024 forms. Printed on
# every form; correct it here once checked against the official gazette.
CIRCULAR_2024 = "17/2024/TT-BCA"
CIRCULAR_2024_VERIFIED = False


class FormKind(StrEnum):
    CAPTURE_SHEET = "capture_sheet"
    APPOINTMENT_SLIP = "appointment_slip"
    REFUSAL_NOTICE = "refusal_notice"


@dataclass(frozen=True)
class FormVersion:
    kind: FormKind
    rules: str  # the year of the rules: "2024"
    code: str  # the form's code under those rules: "CC01"
    circular: str
    title_vi: str
    title_en: str

    @property
    def label_vi(self) -> str:
        return f"Mẫu {self.code} — ban hành theo Thông tư {self.circular}"

    @property
    def label_en(self) -> str:
        return f"Form {self.code} — issued under Circular {self.circular}"


CC01_2024 = FormVersion(FormKind.CAPTURE_SHEET, "2024", "CC01", CIRCULAR_2024,
                        "PHIẾU THU NHẬN THÔNG TIN CĂN CƯỚC", "Identity information capture sheet")  # fmt: skip
CC02_2024 = FormVersion(FormKind.APPOINTMENT_SLIP, "2024", "CC02", CIRCULAR_2024,
                        "GIẤY HẸN TRẢ KẾT QUẢ", "Appointment slip for the result")  # fmt: skip
CC03_2024 = FormVersion(FormKind.REFUSAL_NOTICE, "2024", "CC03", CIRCULAR_2024,
                        "THÔNG BÁO TỪ CHỐI GIẢI QUYẾT THỦ TỤC", "Notice of refusal")  # fmt: skip

FORMS: dict[tuple[str, FormKind], FormVersion] = {
    (form.rules, form.kind): form for form in (CC01_2024, CC02_2024, CC03_2024)
}


def form_for(kind: FormKind, rules: str = "2024") -> FormVersion:
    """The version of ``kind`` under the rules of ``rules``; KeyError when that form is not defined."""
    return FORMS[(rules, kind)]
