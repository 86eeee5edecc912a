"""Administrative units: every unit that ever existed, with its validity period and successors.

Two structures are loaded: the one in force until 30 June 2025 (province → district → commune) and
the one in force since 1 July 2025 (province → commune). GSO codes are reused across structures, so a
code is unique only within its structure and level. ``path`` is a materialised path of primary keys
("/3/41/977/"), which makes "this unit and everything under it" one indexed prefix query at any depth.
"""

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    DISTRICT = 2, _("District")
    COMMUNE = 3, _("Commune")


class Kind(models.TextChoices):
    TINH = "tinh", "Tỉnh"
    THANH_PHO_TRUNG_UONG = "thanh_pho_tw", "Thành phố trực thuộc trung ương"
    QUAN = "quan", "Quận"
    HUYEN = "huyen", "Huyện"
    THI_XA = "thi_xa", "Thị xã"
    THANH_PHO = "thanh_pho", "Thành phố thuộc tỉnh"
    XA = "xa", "Xã"
    PHUONG = "phuong", "Phường"
    THI_TRAN = "thi_tran", "Thị trấn"
    DAC_KHU = "dac_khu", "Đặc khu"


class Structure(models.TextChoices):
    PRE_2025 = "pre2025", _("Before 1 July 2025")
    Y2025 = "2025", _("Since 1 July 2025")


STRUCTURE_2025_START = date(2025, 7, 1)


class AdministrativeUnit(models.Model):
    structure = models.CharField(max_length=8, choices=Structure.choices)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code = models.CharField(_("GSO code"), max_length=8, db_index=True)
    name = models.CharField(_("name"), max_length=120)
    name_folded = models.CharField(max_length=120, db_index=True, editable=False)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=64, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True, help_text=_("Last day in force; empty while in force"))
    successors = models.ManyToManyField(
        "self", through="UnitSuccession", symmetrical=False, related_name="predecessors"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "level", "code"], name="unit_code_unique_in_structure"
            ),
        ]
        indexes = [models.Index(fields=["structure", "level"], name="unit_structure_level")]
        ordering = ["structure", "level", "code"]

    def __str__(self) -> str:
        return self.name

    def is_in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )

    def ancestors(self) -> list["AdministrativeUnit"]:
        ids = [int(part) for part in self.path.strip("/").split("/")[:-1] if part]
        by_id = AdministrativeUnit.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def full_name(self) -> str:
        return ", ".join(unit.name for unit in [self, *reversed(self.ancestors())])

    def contains(self, other: "AdministrativeUnit") -> bool:
        return other.path.startswith(self.path)


class UnitSuccession(models.Model):
    """``predecessor`` ceased and its area (or part of it) went to ``successor`` on ``effective``."""

    predecessor = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    successor = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    effective = models.DateField()
    source = models.CharField(max_length=80, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unit_succession_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id} ({self.effective})"
