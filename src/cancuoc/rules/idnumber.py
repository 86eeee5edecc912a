"""The 12-digit personal identification number (số định danh cá nhân).

Layout ``PPP G YY RRRRRR``: birth-registration province (pre-2025 GSO code) or country code 101–295,
century-and-sex digit, last two digits of the birth year, six random digits. There is no check digit.
Since 1 July 2024 the law only guarantees "12 digits": ``validate`` is strict about that and nothing
else; ``decode`` reads the prefix as information, and ``contradictions`` turns a mismatch with the
record into data-quality warnings, never into a rejection. See docs/adr/0002-id-number-rules.md.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

ID_NUMBER_PATTERN = re.compile(r"^\d{12}$")

# Pre-2025 GSO province codes. Numbers never change, so prefixes are always decoded with this
# table, even after the 2025 merger reused the numbers for other provinces.
PROVINCES_PRE_2025: dict[str, str] = {
    "001": "Thành phố Hà Nội", "002": "Tỉnh Hà Giang", "004": "Tỉnh Cao Bằng", "006": "Tỉnh Bắc Kạn",
    "008": "Tỉnh Tuyên Quang", "010": "Tỉnh Lào Cai", "011": "Tỉnh Điện Biên", "012": "Tỉnh Lai Châu",
    "014": "Tỉnh Sơn La", "015": "Tỉnh Yên Bái", "017": "Tỉnh Hòa Bình", "019": "Tỉnh Thái Nguyên",
    "020": "Tỉnh Lạng Sơn", "022": "Tỉnh Quảng Ninh", "024": "Tỉnh Bắc Giang", "025": "Tỉnh Phú Thọ",
    "026": "Tỉnh Vĩnh Phúc", "027": "Tỉnh Bắc Ninh", "030": "Tỉnh Hải Dương", "031": "Thành phố Hải Phòng",
    "033": "Tỉnh Hưng Yên", "034": "Tỉnh Thái Bình", "035": "Tỉnh Hà Nam", "036": "Tỉnh Nam Định",
    "037": "Tỉnh Ninh Bình", "038": "Tỉnh Thanh Hóa", "040": "Tỉnh Nghệ An", "042": "Tỉnh Hà Tĩnh",
    "044": "Tỉnh Quảng Bình", "045": "Tỉnh Quảng Trị", "046": "Tỉnh Thừa Thiên Huế",
    "048": "Thành phố Đà Nẵng", "049": "Tỉnh Quảng Nam", "051": "Tỉnh Quảng Ngãi", "052": "Tỉnh Bình Định",
    "054": "Tỉnh Phú Yên", "056": "Tỉnh Khánh Hòa", "058": "Tỉnh Ninh Thuận", "060": "Tỉnh Bình Thuận",
    "062": "Tỉnh Kon Tum", "064": "Tỉnh Gia Lai", "066": "Tỉnh Đắk Lắk", "067": "Tỉnh Đắk Nông",
    "068": "Tỉnh Lâm Đồng", "070": "Tỉnh Bình Phước", "072": "Tỉnh Tây Ninh", "074": "Tỉnh Bình Dương",
    "075": "Tỉnh Đồng Nai", "077": "Tỉnh Bà Rịa - Vũng Tàu", "079": "Thành phố Hồ Chí Minh",
    "080": "Tỉnh Long An", "082": "Tỉnh Tiền Giang", "083": "Tỉnh Bến Tre", "084": "Tỉnh Trà Vinh",
    "086": "Tỉnh Vĩnh Long", "087": "Tỉnh Đồng Tháp", "089": "Tỉnh An Giang", "091": "Tỉnh Kiên Giang",
    "092": "Thành phố Cần Thơ", "093": "Tỉnh Hậu Giang", "094": "Tỉnh Sóc Trăng", "095": "Tỉnh Bạc Liêu",
    "096": "Tỉnh Cà Mau",
}  # fmt: skip
COUNTRY_CODE_RANGE = range(101, 296)


class InvalidIdNumber(ValueError):
    """The value is not twelve digits."""


@dataclass(frozen=True)
class DecodedIdNumber:
    number: str
    place_code: str
    place_name: str | None  # None when the prefix is neither a known province nor a country code
    born_abroad: bool
    century: int  # e.g. 1900
    sex: str  # "M" or "F"
    birth_year: int


def validate(number: str) -> str:
    """Return the number unchanged if it is exactly 12 ASCII digits, else raise InvalidIdNumber."""
    if not isinstance(number, str) or not ID_NUMBER_PATTERN.fullmatch(number) or not number.isascii():
        raise InvalidIdNumber(number)
    return number


def is_valid(number: str) -> bool:
    try:
        validate(number)
    except InvalidIdNumber:
        return False
    return True


def decode(number: str) -> DecodedIdNumber:
    """Read the informative prefix. Raises InvalidIdNumber only when the value is not 12 digits."""
    validate(number)
    place_code = number[:3]
    digit = int(number[3])
    century = 1900 + (digit // 2) * 100
    born_abroad = int(place_code) in COUNTRY_CODE_RANGE
    place_name = PROVINCES_PRE_2025.get(place_code)
    if born_abroad:
        place_name = f"Nước ngoài (mã {place_code})"
    return DecodedIdNumber(
        number=number,
        place_code=place_code,
        place_name=place_name,
        born_abroad=born_abroad,
        century=century,
        sex="M" if digit % 2 == 0 else "F",
        birth_year=century + int(number[4:6]),
    )


@dataclass(frozen=True)
class Contradiction:
    code: str
    message_vi: str
    message_en: str


def contradictions(
    number: str,
    *,
    birth_date: date | None,
    sex: str | None,
    birth_province_code: str | None = None,
) -> list[Contradiction]:
    """Where the number's prefix disagrees with the record. Informative only: never a rejection."""
    decoded = decode(number)
    found: list[Contradiction] = []
    if decoded.place_name is None:
        found.append(Contradiction(
            "id_place_unknown",
            f"Mã nơi đăng ký khai sinh {decoded.place_code} không phải mã tỉnh hay mã quốc gia đã biết",
            f"Place code {decoded.place_code} is neither a known province nor a country code",
        ))  # fmt: skip
    if birth_date is not None and decoded.birth_year != birth_date.year:
        found.append(Contradiction(
            "id_birth_year_mismatch",
            f"Số định danh mã hóa năm sinh {decoded.birth_year}, hồ sơ ghi {birth_date.year}",
            f"The ID number encodes birth year {decoded.birth_year}; the record says {birth_date.year}",
        ))  # fmt: skip
    if sex in ("M", "F") and decoded.sex != sex:
        found.append(Contradiction(
            "id_sex_mismatch",
            "Số định danh mã hóa giới tính khác với hồ sơ",
            "The ID number encodes a different sex from the record",
        ))  # fmt: skip
    if birth_province_code and not decoded.born_abroad and birth_province_code.zfill(3) != decoded.place_code:
        found.append(Contradiction(
            "id_province_mismatch",
            f"Số định danh mã hóa tỉnh {decoded.place_code}, hồ sơ ghi nơi đăng ký khai sinh {birth_province_code}",
            f"The ID number encodes province {decoded.place_code}; the record's birth registration is {birth_province_code}",
        ))  # fmt: skip
    return found


def century_sex_digit(birth_year: int, sex: str) -> int:
    if sex not in ("M", "F"):
        raise ValueError("sex must be 'M' or 'F'")
    if not 1900 <= birth_year <= 2399:
        raise ValueError("birth year outside the range the ID number can encode")
    return (birth_year // 100 - 19) * 2 + (0 if sex == "M" else 1)


def prefix_for(place_code: str, birth_year: int, sex: str) -> str:
    """The six informative digits for a new number: place, century/sex, year."""
    place = place_code.zfill(3)
    if not (place in PROVINCES_PRE_2025 or (place.isdigit() and int(place) in COUNTRY_CODE_RANGE)):
        raise ValueError(f"unknown birth-registration place code {place_code!r}")
    return f"{place}{century_sex_digit(birth_year, sex)}{birth_year % 100:02d}"


def candidate_number(prefix: str) -> str:
    """One candidate: the prefix plus six digits from the operating system's CSPRNG.

    Uniqueness is not decided here: the allocation table's unique constraint decides it.
    """
    if len(prefix) != 6 or not prefix.isdigit():
        raise ValueError("prefix must be six digits")
    return f"{prefix}{secrets.randbelow(1_000_000):06d}"
