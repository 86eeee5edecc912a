"""Vietnamese text normalisation for storage and for diacritic-insensitive search.

Storage keeps the diacritics (``normalize_text`` / ``normalize_name``: NFC, one canonical tone-mark
placement, single spaces). Search compares ``fold`` keys: no tone or vowel marks, Đ folded to D,
lower case, punctuation as spaces.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from anyascii import anyascii

_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Combining tone marks (grave, acute, hook above, tilde, dot below) as they appear after NFD.
_TONE_MARKS = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
_VOWELS = set("aăâeêioôơuưy")
# Syllable nuclei whose tone sits on the first vowel in the traditional placement ("hòa", "thúy",
# "khỏe") and on the second in the newer one ("hoà", "thuý", "khoẻ"). Both occur in real data.
_SWING_NUCLEI = {"oa", "oe", "uy"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@functools.lru_cache(maxsize=65536)  # names repeat: a few thousand words cover a province
def _canonical_tone_placement(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in _TONE_MARKS]
    if len(tones) != 1:
        return word
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    lower = bare.lower()
    # "qu" and "gi" are consonants: in "quý" or "giòa" the nucleus is what follows them.
    start = 2 if lower[:2] in ("qu", "gi") and len(lower) > 2 else 0
    body = lower[start:]
    head = 0
    while head < len(body) and body[head] not in _VOWELS:
        head += 1
    nucleus = body[head : head + 2]
    # Only an open syllable (nothing after the two vowels) swings; "hoàng", "thuyết" never do.
    if nucleus not in _SWING_NUCLEI or head + 2 != len(body):
        return word
    target = start + head  # tone on the first vowel of the pair: the traditional placement
    rebuilt = []
    for index, ch in enumerate(bare):
        rebuilt.append(ch)
        if index == target:
            rebuilt.append(tones[0])
    return unicodedata.normalize("NFC", "".join(rebuilt))


def normalize_text(value: str | None) -> str:
    """NFC, trimmed, inner whitespace collapsed to one space. Keeps every diacritic."""
    if not value:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def normalize_name(value: str | None) -> str:
    """A personal or place name for storage: ``normalize_text`` plus one tone-mark placement."""
    if not value:
        return ""
    return _normalize_name(value)


@functools.lru_cache(maxsize=1 << 16)
def _normalize_name(value: str) -> str:
    # names repeat (a few hundred family and middle names, some thousands of given names): an import of a
    # million rows normalises each once
    text = normalize_text(value)
    return _WORD.sub(lambda match: _canonical_tone_placement(match.group(0)), text)


def fold(value: str | None) -> str:
    """The search key: ASCII, lower case, Đ→d, every run of non-alphanumerics as one space."""
    if not value:
        return ""
    return _fold(value)


@functools.lru_cache(maxsize=1 << 16)
def _fold(value: str) -> str:
    ascii_text = anyascii(unicodedata.normalize("NFC", value)).lower()
    return _NON_ALNUM.sub(" ", ascii_text).strip()


def fold_tokens(value: str | None) -> list[str]:
    return fold(value).split()


def sorted_tokens_key(value: str | None) -> str:
    """An order-insensitive key: the folded words sorted, so 'Văn An Nguyễn' equals 'Nguyễn Văn An'."""
    return " ".join(sorted(fold_tokens(value)))


def split_full_name(full_name: str) -> tuple[str, str, str]:
    """Split 'Họ Đệm Tên' into (family, middle, given). One word is a given name alone."""
    words = normalize_name(full_name).split(" ")
    if not words or words == [""]:
        return "", "", ""
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def join_full_name(family: str, middle: str, given: str) -> str:
    return " ".join(part for part in (family, middle, given) if part)


# -- the reason an officer gives for a change ---------------------------------------------------------------
REASON_LIMIT = 300  # what the audit log keeps whole


def hidden_characters(text: str) -> bool:
    """Control and format characters (NUL, escapes, bidirectional overrides, zero-width spaces) and lone
    surrogates: never typed by an officer, able to disguise what a text says or to break an export."""
    return any(unicodedata.category(char) in ("Cc", "Cf", "Cs") for char in text)


def reason_problem(reason, *, required: bool = True, limit: int = REASON_LIMIT) -> tuple[str, str | None]:
    """The reason as stored (NFC, trimmed) and what is wrong with it: ``None``, ``"required"`` (empty when one
    is needed, or not text at all) or ``"invalid"`` (longer than ``limit``, or hidden characters). Each domain
    turns the problem into its own bilingual error code."""
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        return "", "required"
    text = unicodedata.normalize("NFC", reason).strip()
    if not text:
        return "", "required" if required else None
    if len(text) > limit or hidden_characters(text):
        return text, "invalid"
    return text, None
