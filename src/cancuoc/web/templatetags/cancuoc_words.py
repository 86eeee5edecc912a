"""Codes shown as words (issue 8 §3: "codes never reach a person"): quality flags, field names of the
history, unit ids, enumerations, nationality, counts with the reader's thousands separator.

``{% load cancuoc_words %}``; every label is a translated string, so a page shows Vietnamese or English.
"""

from __future__ import annotations

from datetime import date

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from cancuoc.registry.models import Citizen, MaritalStatus, QualityFlag, Relation, Sex
from cancuoc.rules import ethnic_religion

register = template.Library()

# detect_flags names the missing parts of a record with these words (quality.py)
_MISSING_PARTS = {
    "family_name": _("family name"), "permanent_residence": _("permanent residence"), "ethnicity": _("ethnicity"),
    "birth_registration": _("place of birth registration"),
}  # fmt: skip
# Citizen fields whose model gives no translated name (links to other records)
_LINK_LABELS = {
    "household": _("household"), "father": _("father (record)"), "mother": _("mother (record)"),
    "spouse": _("spouse (record)"), "legal_representative": _("legal representative"),
    "birth_date_precision": _("precision of the date of birth"),
}  # fmt: skip
_NATIONALITIES = {"VNM": _("Vietnam")}
_CHOICES = {"sex": Sex, "marital_status": MaritalStatus, "relation_to_head": Relation}
_RELATION_ORDER = {value: rank for rank, value in enumerate(Relation.values)}


@register.filter
def count(value) -> str:
    """20000 → "20.000" in Vietnamese, "20,000" in English."""
    if value is None or value == "":
        return ""
    separator = "." if (get_language() or "vi").startswith("vi") else ","
    return f"{int(value):,}".replace(",", separator)


@register.filter
def flag_label(code: str) -> str:
    """The words of a quality flag code (an unknown code stays as it is: never hidden)."""
    return QualityFlag.Code(code).label if code in QualityFlag.Code.values else code


@register.filter
def flag_detail(flag: QualityFlag) -> str:
    """A flag's detail in words: the missing parts named, the twin of a duplicate named."""
    if flag.code == QualityFlag.Code.MISSING_FIELDS:
        parts = [str(_MISSING_PARTS.get(part.strip(), part.strip())) for part in flag.detail.split(",")]
        return gettext("Missing: %(parts)s") % {"parts": ", ".join(parts)}
    if flag.code == QualityFlag.Code.SUSPECTED_DUPLICATE:
        # never the twin's number: it may lie outside the reader's area (the side-by-side page shows the
        # twins the reader may see)
        return gettext("Same name and date of birth as another record")
    if flag.code == QualityFlag.Code.DEAD_BUT_PRESENT:
        return gettext("A date of death is recorded, with a current or temporary residence")
    if flag.code == QualityFlag.Code.LEGACY_BIRTH_DATE:
        return gettext("Only the year of birth is known: %(year)s") % {"year": flag.detail}
    return flag.detail


@register.filter
def nationality(code: str) -> str:
    return str(_NATIONALITIES.get(code, code))


@register.filter
def head_first(members) -> list:
    """Household members: the head, then spouse, children ... (the order of ``Relation``), oldest first."""
    return sorted(members, key=lambda m: (_RELATION_ORDER.get(m.relation_to_head, len(_RELATION_ORDER)),
                                          m.birth_date or date.max))  # fmt: skip


@register.simple_tag
def ethnic_groups() -> tuple[str, ...]:
    return ethnic_religion.ETHNIC_GROUPS


@register.simple_tag
def religions() -> tuple[str, ...]:
    return (ethnic_religion.NO_RELIGION, *ethnic_religion.RELIGIONS)


def _field_label(name: str) -> str:
    if name.removesuffix("_id") in _LINK_LABELS:
        return str(_LINK_LABELS[name.removesuffix("_id")])
    for candidate in (name, name.removesuffix("_id")):
        try:
            return str(Citizen._meta.get_field(candidate).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


def _value(name: str, value, units: dict, households: dict | None = None, people: dict | None = None) -> str:
    if value in (None, ""):
        return ""
    if name in _CHOICES and value in _CHOICES[name].values:
        return str(_CHOICES[name](value).label)
    if name == "nationality":
        return nationality(value)
    if name.endswith("_unit_id"):
        return units.get(value, str(value))
    if name == "household_id":
        return (households or {}).get(value, str(value))
    if name in ("father_id", "mother_id", "spouse_id", "legal_representative_id"):
        return (people or {}).get(value, str(value))
    if name in ("birth_date", "date_of_death") and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if name == "birth_date_precision":
        return {"day": gettext("Full date"), "year": gettext("Year only (legacy record)")}.get(value, value)
    return str(value)


@register.filter
def readable_changes(history: list) -> list[tuple]:
    """[(entry, [(label, before, after), ...]), ...]: field names as labels, unit ids as unit names,
    household ids as household numbers, linked people as their ID numbers (one query per kind for the
    whole history), dates as dd/mm/yyyy, enumerations as words."""
    from cancuoc.registry.models import Household
    from cancuoc.units.models import AdministrativeUnit

    def ids(wanted) -> set[int]:
        return {
            value
            for entry in history
            for name, pair in ((entry.changes or {}).get("fields") or {}).items()
            if wanted(name)
            for value in pair
            if isinstance(value, int)
        }

    def names(model, wanted, attribute: str) -> dict:
        found = ids(wanted)
        return dict(model.objects.filter(pk__in=found).values_list("pk", attribute)) if found else {}

    units = names(AdministrativeUnit, lambda name: name.endswith("_unit_id"), "name")
    households = names(Household, lambda name: name == "household_id", "number")
    people = names(Citizen, lambda name: name in ("father_id", "mother_id", "spouse_id", "legal_representative_id"),
                   "id_number")  # fmt: skip
    rows = []
    for entry in history:
        fields = (entry.changes or {}).get("fields") or {}
        rows.append((entry, [(_field_label(name), _value(name, pair[0], units, households, people),
                              _value(name, pair[1], units, households, people))
                             for name, pair in fields.items()]))  # fmt: skip
    return rows


@register.filter
def column_header(field_name: str) -> str:
    """An import report's column as the file names it ("Số định danh"), not the internal field name."""
    from cancuoc.imports.columns import COLUMNS

    headers = {name: header for name, header, _ in COLUMNS}
    return headers.get(field_name, field_name) or "—"


_RECORD_KINDS = {
    "citizen": _("citizen"), "household": _("household"), "id_number": _("ID number"), "user": _("officer"),
    "import_job": _("import"), "key": _("key"), "audit_log": _("audit log"), "card": _("card"),
    "demo_population": _("demo data"), "unit": _("administrative unit"), "pki": _("PKI"), "data_key": _("data key"),
}  # fmt: skip


@register.filter
def record_kind(object_type: str) -> str:
    """The kind of record an audit entry is about, as a word."""
    return str(_RECORD_KINDS.get(object_type, object_type))
