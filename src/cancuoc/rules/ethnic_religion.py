"""The official lists of ethnic groups and religions, and how a typed value is read against them.

Ethnic groups: the 54 groups of the national list (Danh mục các dân tộc Việt Nam, General Statistics
Office decision 121-TCTK/PPCĐ of 2 March 1979, codes 01–54), spelt as in the 2019 Population and
Housing Census results and the Committee for Ethnic Minority Affairs (Ủy ban Dân tộc): "Khmer" rather
than the 1979 "Khơ-me", "Mông" rather than "HMông", "Gia Rai" rather than "Gia-rai"... The 1979 spellings
and the common variants are accepted as input (``ETHNIC_VARIANTS``) and stored in the census spelling.

Religions: the 16 religions the State has recognised (Government Committee for Religious Affairs, Ban
Tôn giáo Chính phủ; "16 tôn giáo, 43 tổ chức tôn giáo" in its 2023 white paper "Tôn giáo và chính sách
tôn giáo ở Việt Nam"). The list was written from that source as remembered, not re-read online: the
16th entry, Bà-la-môn giáo (the Brahmanism of the Chăm), is *unverified* here (the brief that asked
for this list named the Latter-day Saints twice, as their church and as "Mặc môn", and not it); the
Latter-day Saints are stored by the name of the religion, without the word "Giáo hội" (church).

A value outside the lists is recorded as typed after the prefix ``Khác:`` ("other"), e.g.
``Khác: Pa Cô`` or ``Khác: Tin lành Trưởng lão``; it is kept and flagged for review (quality flag
``outside_list``), never silently matched to the nearest listed name.
"""

from __future__ import annotations

import re

from cancuoc.rules.text import fold, normalize_text

# In the order of the 1979 codes (01 Kinh ... 54 Rơ Măm).
ETHNIC_GROUPS: tuple[str, ...] = (
    "Kinh", "Tày", "Thái", "Hoa", "Khmer", "Mường", "Nùng", "Mông", "Dao", "Gia Rai", "Ngái", "Ê Đê",
    "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê", "Mnông", "Raglai", "Xtiêng",
    "Bru Vân Kiều", "Thổ", "Giáy", "Cơ Tu", "Giẻ Triêng", "Mạ", "Khơ Mú", "Co", "Tà Ôi", "Chơ Ro",
    "Kháng", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ", "Lự", "Lô Lô",
    "Chứt", "Mảng", "Pà Thẻn", "Cờ Lao", "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ Măm",
)  # fmt: skip

# Other spellings met on old records and forms (1979 list, older census tables), keyed like ``_key``.
ETHNIC_VARIANTS: dict[str, str] = {
    "khome": "Khmer", "khmerkrom": "Khmer", "hmong": "Mông", "hmông": "Mông",
    "ede": "Ê Đê", "rade": "Ê Đê", "bahnar": "Ba Na", "sedang": "Xơ Đăng", "koho": "Cơ Ho", "cham": "Chăm",
    "hre": "Hrê", "mnong": "Mnông", "xtieng": "Xtiêng", "stieng": "Xtiêng", "bru": "Bru Vân Kiều",
    "vankieu": "Bru Vân Kiều", "giatrieng": "Giẻ Triêng", "khomu": "Khơ Mú", "taoi": "Tà Ôi", "colao": "Cờ Lao",
    "xinhmun": "Xinh Mun", "chuuru": "Chu Ru", "ramam": "Rơ Măm", "odu": "Ơ Đu", "viet": "Kinh",
    "nguoikinh": "Kinh", "jarai": "Gia Rai",
}  # fmt: skip

RELIGIONS: tuple[str, ...] = (
    "Phật giáo", "Công giáo", "Tin lành", "Cao Đài", "Phật giáo Hòa Hảo", "Hồi giáo", "Tôn giáo Baha'i",
    "Tịnh độ Cư sĩ Phật hội Việt Nam", "Cơ đốc Phục lâm", "Phật giáo Tứ Ân Hiếu Nghĩa", "Minh Sư đạo",
    "Minh Lý đạo – Tam Tông Miếu", "Bửu Sơn Kỳ Hương", "Bà-la-môn giáo",
    "Các Thánh hữu Ngày sau của Chúa Giê-su Ki-tô", "Phật giáo Hiếu Nghĩa Tà Lơn",
)  # fmt: skip
UNVERIFIED_RELIGIONS = frozenset({"Bà-la-môn giáo"})
NO_RELIGION = "Không"

RELIGION_VARIANTS: dict[str, str] = {
    "thienchuagiao": "Công giáo", "catholic": "Công giáo", "daophat": "Phật giáo", "buddhism": "Phật giáo",
    "tinlanh": "Tin lành", "protestant": "Tin lành", "daocaodai": "Cao Đài", "hoahao": "Phật giáo Hòa Hảo",
    "islam": "Hồi giáo", "baha'i": "Tôn giáo Baha'i", "bahai": "Tôn giáo Baha'i", "baluamon": "Bà-la-môn giáo",
    "balamon": "Bà-la-môn giáo", "macmon": "Các Thánh hữu Ngày sau của Chúa Giê-su Ki-tô",
    "giaohoicacthanhhuungaysaucuachuagiesukito": "Các Thánh hữu Ngày sau của Chúa Giê-su Ki-tô",
    "minhlydao": "Minh Lý đạo – Tam Tông Miếu", "tamtongmieu": "Minh Lý đạo – Tam Tông Miếu",
    "tuanhieunghia": "Phật giáo Tứ Ân Hiếu Nghĩa", "hieunghiatalon": "Phật giáo Hiếu Nghĩa Tà Lơn",
    "cosiphathoi": "Tịnh độ Cư sĩ Phật hội Việt Nam", "adventist": "Cơ đốc Phục lâm", "khong": NO_RELIGION,
    "none": NO_RELIGION, "khongtongiao": NO_RELIGION,
}  # fmt: skip

OTHER_PREFIX = "Khác: "
_OTHER = re.compile(r"^\s*(?:khác|khac|other)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
# A value outside the lists is still a name: letters, spaces and the usual punctuation of names.
_NAME_LIKE = re.compile(r"^[^\W\d_](?:[^\W_]|[ '’\-–.,()/])*$")


def _key(value: str) -> str:
    """Lower case, no diacritics (Đ → d), no spaces, hyphens or dots: "Ê-đê", "Ê Đê", "e de" are one."""
    return re.sub(r"[\s\-–.’']", "", fold(value)).replace("'", "")


_ETHNIC_BY_KEY = {_key(name): name for name in ETHNIC_GROUPS} | ETHNIC_VARIANTS
_RELIGION_BY_KEY = {_key(name): name for name in (*RELIGIONS, NO_RELIGION)} | {
    _key(variant): name for variant, name in RELIGION_VARIANTS.items()
}
_ETHNIC_BY_KEY = {_key(variant): name for variant, name in _ETHNIC_BY_KEY.items()}


class NotListed(ValueError):
    """The value is neither a listed name (or a variant of one) nor a well-formed ``Khác: …`` value."""


def _read(value: str, by_key: dict[str, str]) -> str:
    text = normalize_text(value)
    if match := _OTHER.match(text):
        typed = normalize_text(match.group(1))
        if not typed or not _NAME_LIKE.match(typed):
            raise NotListed(text)
        return OTHER_PREFIX + typed
    if text in by_key.values():
        return text
    found = by_key.get(_key(text))
    if found is None:
        raise NotListed(text)
    return found


def read_ethnicity(value: str) -> str:
    """The official spelling of ``value`` (a listed group, a variant, or typed without diacritics), or
    ``Khác: …`` kept as typed; raises ``NotListed`` otherwise."""
    return _read(value, _ETHNIC_BY_KEY)


def read_religion(value: str) -> str:
    """The official name of ``value``, ``Không`` for none, or ``Khác: …`` kept as typed; raises ``NotListed``."""
    return _read(value, _RELIGION_BY_KEY)


def is_outside_lists(value: str | None) -> bool:
    """True for a value recorded with the ``Khác:`` prefix (to be reviewed)."""
    return bool(value) and value.startswith(OTHER_PREFIX)


def listed_or_outside(value: str, read) -> str | None:
    """For a value stored before the lists were enforced: its official spelling, else ``Khác: <value>``
    when it is name-like, else None (left for an officer to correct)."""
    try:
        return read(value)
    except NotListed:
        text = normalize_text(value)
        return OTHER_PREFIX + text if _NAME_LIKE.match(text) else None
