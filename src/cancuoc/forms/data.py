"""What the forms print, as plain frozen dataclasses: the caller (a Django action, a command, a test) builds
them from its own records; the renderers know nothing else. Text fields are printed as given (after
Unicode NFC); an empty string prints as "—"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from .versions import CC01_2024, CC02_2024, CC03_2024, FormVersion


@dataclass(frozen=True)
class Bilingual:
    """A text in Vietnamese with its English rendering (may be empty)."""

    vi: str
    en: str = ""


class ApplicationKind(StrEnum):
    FIRST_ISSUE = "first_issue"
    REPLACEMENT = "replacement"
    REISSUE = "reissue"


APPLICATION_KIND_LABELS: dict[ApplicationKind, Bilingual] = {
    ApplicationKind.FIRST_ISSUE: Bilingual("Cấp thẻ căn cước lần đầu", "First issue of an identity card"),
    ApplicationKind.REPLACEMENT: Bilingual("Cấp đổi thẻ căn cước", "Replacement of an identity card"),
    ApplicationKind.REISSUE: Bilingual("Cấp lại thẻ căn cước", "Re-issue of an identity card"),
}

SEX_LABELS: dict[str, Bilingual] = {"M": Bilingual("Nam", "Male"), "F": Bilingual("Nữ", "Female")}

# ISO/IEC 19794-4 finger positions, the order of the ten slots on the capture sheet.
FINGER_NAMES: dict[int, Bilingual] = {
    1: Bilingual("Ngón cái phải", "Right thumb"),
    2: Bilingual("Ngón trỏ phải", "Right index"),
    3: Bilingual("Ngón giữa phải", "Right middle"),
    4: Bilingual("Ngón áp út phải", "Right ring"),
    5: Bilingual("Ngón út phải", "Right little"),
    6: Bilingual("Ngón cái trái", "Left thumb"),
    7: Bilingual("Ngón trỏ trái", "Left index"),
    8: Bilingual("Ngón giữa trái", "Left middle"),
    9: Bilingual("Ngón áp út trái", "Left ring"),
    10: Bilingual("Ngón út trái", "Left little"),
}


@dataclass(frozen=True)
class Person:
    """The citizen's data as confirmed at the station."""

    full_name: str
    id_number: str
    birth_date: date | None
    sex: str  # "M" or "F"
    birth_year_only: bool = False  # legacy records that hold only the year: printed as the year alone
    other_names: str = ""
    old_id_number: str = ""  # the 9-digit CMND number
    birth_registration_place: str = ""
    place_of_origin: str = ""
    ethnicity: str = ""
    religion: str = ""
    nationality: str = "Việt Nam"
    permanent_residence: str = ""
    temporary_residence: str = ""
    father_name: str = ""
    mother_name: str = ""
    spouse_name: str = ""
    representative_name: str = ""


@dataclass(frozen=True)
class FingerSlot:
    """One of the ten fingers: its quality score when captured, or why it has no print."""

    position: int  # 1 right thumb … 5 right little, 6 left thumb … 10 left little
    quality: int | None = None  # NFIQ 2-style score 0–100
    exception: Bilingual | None = None  # amputated, bandaged, unreadable …


@dataclass(frozen=True)
class Station:
    name: str
    address: str = ""


@dataclass(frozen=True)
class Officer:
    full_name: str
    title: str = ""  # rank or position, printed under the name


@dataclass(frozen=True)
class CaptureSheet:
    """CC01 (2024): what was captured for one application, for the citizen to check and sign."""

    application_code: str
    person: Person
    kind: ApplicationKind
    reason: Bilingual
    captured_at: datetime
    station: Station
    officer: Officer
    issuing_unit: str  # the police unit heading the form, e.g. "CÔNG AN TỈNH HÀ TĨNH"
    portrait_jpeg: bytes | None = None
    fingers: tuple[FingerSlot, ...] = ()  # missing positions print as "not captured"
    fingerprints_waived: Bilingual | None = None  # e.g. under 6: no fingerprints taken at all
    version: FormVersion = CC01_2024


@dataclass(frozen=True)
class AppointmentSlip:
    """CC02 (2024): when and where the citizen gets the card."""

    application_code: str
    person: Person
    kind: ApplicationKind
    captured_on: date
    return_on: date  # computed by the caller, e.g. rules.workdays.add_working_days(captured_on, 7)
    return_place: Station
    officer: Officer
    issuing_unit: str
    status_url: str = ""  # where the citizen checks the status online with the application code
    status_hint: Bilingual = field(
        default_factory=lambda: Bilingual(
            "Tra cứu tình trạng hồ sơ trực tuyến bằng mã hồ sơ trên giấy hẹn này",
            "Check the status of the application online with the code on this slip",
        )
    )
    version: FormVersion = CC02_2024


# Unverified and configurable: the legal basis printed on a refusal notice when the caller gives none.
DEFAULT_LEGAL_BASIS = (
    "Luật Căn cước số 26/2023/QH15 ngày 27/11/2023; Nghị định số 70/2024/NĐ-CP ngày 25/6/2024 "
    "quy định chi tiết và hướng dẫn thi hành một số điều của Luật Căn cước"
)


@dataclass(frozen=True)
class RefusalNotice:
    """CC03 (2024): an application refused, with the reasons and the legal basis."""

    person: Person
    request: Bilingual  # what was asked, e.g. the application kind's label and any detail
    reasons: tuple[Bilingual, ...]
    issued_on: date
    issuing_unit: str
    signer: Officer
    place_name: str = ""  # the place in the date line: "Hà Tĩnh, ngày … tháng … năm …"
    received_on: date | None = None
    notice_number: str = ""
    application_code: str = ""  # printed with its QR when given
    legal_basis: str = DEFAULT_LEGAL_BASIS
    version: FormVersion = CC03_2024
