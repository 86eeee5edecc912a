"""ICAO 9303 Part 10 Logical Data Structure: EF.COM, DG1 (MRZ) and DG13 (Vietnamese personal data).

The TLV layer accepts BER as real documents use it (long tags, indefinite lengths); encoding emits
DER; the ASN.1 values inside (INTEGER, OID, UTF8String) go through asn1crypto. Hostile input raises ``LdsError`` with a reason, never another
exception. DG2/DG14/DG15 and EF.SOD are not built yet (issue 3).
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import core

LDS_VERSION = "0107"
UNICODE_VERSION = "040000"

# Data group number → the tag of its file (EF.COM's tag list and the file's outer tag).
DG_TAGS = {1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68, 9: 0x69, 10: 0x6A,
           11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70}  # fmt: skip
TAG_TO_DG = {tag: number for number, tag in DG_TAGS.items()}
# The object identifier that opens DG13 is not published; configurable until verified on a real card.
DG13_OID = "1.2.704.1.1.13"
MAX_LENGTH = 1 << 24  # 16 MB: no LDS file comes near; a larger declared length is hostile
MAX_DEPTH = 32


class LdsError(ValueError):
    pass


@dataclass(frozen=True)
class Tlv:
    """One BER TLV; ``tag`` is written as in Doc 9303 (0x61, 0x5F1F, 0x7F61, 0x30 ...)."""

    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        return bool(self.tag.to_bytes(max(1, (self.tag.bit_length() + 7) // 8), "big")[0] & 0x20)


# ICAO writes some tags in a long form that DER calls non-minimal (5F01 for tag number 1), which
# asn1crypto's parser refuses; so the LDS files' own TLV layer is read here, and asn1crypto handles
# the ASN.1 inside them (INTEGER, OID, UTF8String, and the CMS of EF.SOD).
def parse_tlv(data: bytes, depth: int = 0) -> tuple[Tlv, bytes]:
    """One TLV from the front of ``data`` (BER: long tags, long and indefinite lengths) and the rest."""
    if depth > MAX_DEPTH:
        raise LdsError("nesting too deep")
    if not data:
        raise LdsError("empty data where a TLV was expected")
    index = 1
    if data[0] & 0x1F == 0x1F:
        while True:
            if index >= len(data) or index > 4:
                raise LdsError("truncated or oversized tag")
            index += 1
            if not data[index - 1] & 0x80:
                break
    tag = int.from_bytes(data[:index], "big")
    if index >= len(data):
        raise LdsError(f"tag {tag:X} has no length")
    first = data[index]
    index += 1
    if first == 0x80:  # indefinite length: contents run to the end-of-contents octets 00 00
        if not data[0] & 0x20:
            raise LdsError("indefinite length on a primitive value")
        start, rest = index, data[index:]
        while True:
            if len(rest) < 2:
                raise LdsError(f"tag {tag:X}: indefinite length without end-of-contents")
            if rest[:2] == b"\x00\x00":
                consumed = len(data) - len(rest)
                return Tlv(tag, data[start:consumed]), rest[2:]
            _child, rest = parse_tlv(rest, depth + 1)
    if first & 0x80:
        count = first & 0x7F
        if count > 4 or index + count > len(data):
            raise LdsError(f"tag {tag:X}: bad length field")
        length = int.from_bytes(data[index : index + count], "big")
        index += count
    else:
        length = first
    if length > MAX_LENGTH:
        raise LdsError(f"tag {tag:X}: declared length {length} is too large")
    if index + length > len(data):
        raise LdsError(f"tag {tag:X}: declared length {length}, only {len(data) - index} bytes present")
    return Tlv(tag, data[index : index + length]), data[index + length :]


def children(value: bytes, depth: int = 0) -> list[Tlv]:
    items = []
    while value:
        if value[:2] == b"\x00\x00" and not value[2:].strip(b"\x00"):
            break  # padding after the last element
        item, value = parse_tlv(value, depth + 1)
        items.append(item)
    return items


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def emit(tag: int, value: bytes) -> bytes:
    """DER TLV with the tag bytes exactly as Doc 9303 writes them."""
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tag_bytes + encode_length(len(value)) + value


def _expect(data: bytes, tag: int, name: str) -> Tlv:
    outer, _rest = parse_tlv(data)
    if outer.tag != tag:
        raise LdsError(f"{name} must start with tag {tag:X}, not {outer.tag:X}")
    return outer


# --- EF.COM ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EfCom:
    lds_version: str
    unicode_version: str
    data_groups: tuple[int, ...]


def encode_ef_com(data_groups: list[int] | tuple[int, ...]) -> bytes:
    tag_list = bytes(DG_TAGS[number] for number in sorted(data_groups))
    body = emit(0x5F01, LDS_VERSION.encode()) + emit(0x5F36, UNICODE_VERSION.encode()) + emit(0x5C, tag_list)
    return emit(0x60, body)


def parse_ef_com(data: bytes) -> EfCom:
    outer = _expect(data, 0x60, "EF.COM")
    fields = {item.tag: item.value for item in children(outer.value)}
    if 0x5C not in fields:
        raise LdsError("EF.COM has no tag list (5C)")
    unknown = [f"{tag:X}" for tag in fields[0x5C] if tag not in TAG_TO_DG]
    if unknown:
        raise LdsError(f"EF.COM lists unknown data-group tags {unknown}")
    return EfCom(fields.get(0x5F01, b"").decode("ascii", "replace"), fields.get(0x5F36, b"").decode("ascii", "replace"),
                 tuple(TAG_TO_DG[tag] for tag in fields[0x5C]))  # fmt: skip


# --- DG1: the MRZ ---------------------------------------------------------------------------------


def encode_dg1(mrz_lines: tuple[str, ...] | list[str]) -> bytes:
    return emit(0x61, emit(0x5F1F, "".join(mrz_lines).encode("ascii")))


def parse_dg1(data: bytes) -> str:
    """The MRZ as one string (90 characters for TD1, 88 for TD3)."""
    outer = _expect(data, 0x61, "DG1")
    for item in children(outer.value):
        if item.tag == 0x5F1F:
            text = item.value.decode("ascii", "replace")
            if len(text) not in (90, 88, 72):
                raise LdsError(f"DG1 MRZ has {len(text)} characters")
            return text
    raise LdsError("DG1 has no MRZ (5F1F)")


def split_mrz(text: str) -> list[str]:
    width = {90: 30, 88: 44, 72: 36}[len(text)]
    return [text[i : i + width] for i in range(0, len(text), width)]


# --- DG13: Vietnamese personal data -----------------------------------------------------------------

DG13_FIELDS = {
    1: "id_number", 2: "full_name", 3: "birth_date", 4: "sex", 5: "nationality", 6: "ethnicity", 7: "religion",
    8: "place_of_origin", 9: "place_of_residence", 10: "identifying_marks", 11: "issue_date", 12: "expiry",
    13: "parents", 14: "spouse", 15: "old_id_number",
}  # fmt: skip
DG13_NUMBERS = {name: number for number, name in DG13_FIELDS.items()}


def encode_dg13(values: dict[str, str | tuple[str, ...]]) -> bytes:
    """``values`` by field name; a tuple is a field of several values (13: father's and mother's names).
    Absent or empty fields are omitted, never left empty."""
    entries = []
    for name, value in sorted(values.items(), key=lambda item: DG13_NUMBERS[item[0]]):
        parts = value if isinstance(value, tuple) else (value,)
        parts = tuple(part for part in parts if part)
        if not parts:
            continue
        encoded = b"".join(emit(0x0C, part.encode("utf-8")) for part in parts)  # UTF8String
        entries.append(emit(0x02, bytes([DG13_NUMBERS[name]])) + encoded)  # field numbers are 1..15
    body = core.Integer(1).dump() + core.ObjectIdentifier(DG13_OID).dump()
    body += emit(0x31, b"".join(emit(0x30, entry) for entry in entries))
    return emit(0x6D, emit(0x30, body))


def parse_dg13(data: bytes) -> dict[str, str | tuple[str, ...]]:
    outer = _expect(data, 0x6D, "DG13")
    (sequence,) = children(outer.value)[:1] or [None]
    if sequence is None or sequence.tag != 0x30:
        raise LdsError("DG13 does not hold a SEQUENCE")
    items = children(sequence.value)
    the_set = next((item for item in items if item.tag == 0x31), None)
    if the_set is None:
        raise LdsError("DG13 has no SET of fields")
    values: dict[str, str | tuple[str, ...]] = {}
    for entry in children(the_set.value):
        parts = children(entry.value)
        if not parts or parts[0].tag != 0x02:
            raise LdsError("DG13 field without a field number")
        number = int.from_bytes(parts[0].value, "big", signed=True)
        texts = tuple(part.value.decode("utf-8", "replace") for part in parts[1:])
        name = DG13_FIELDS.get(number, f"field_{number}")
        values[name] = texts[0] if len(texts) == 1 else texts
    return values
