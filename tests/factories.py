"""Factories for a small, self-contained world: two 2025 provinces with communes, one pre-2025 province
with a district and communes that merged into today's communes, officers of every role."""

from datetime import date

import factory
from django.utils import timezone

from cancuoc.accounts.models import Role, User
from cancuoc.registry.models import Citizen, Household
from cancuoc.rules.text import fold, join_full_name, sorted_tokens_key
from cancuoc.units.models import AdministrativeUnit, Kind, Level, Structure, UnitSuccession


def make_unit(name, *, level, code, parent=None, structure=Structure.Y2025, kind=None, valid_to=None):
    unit = AdministrativeUnit.objects.create(
        structure=structure, level=level, code=code, name=name, name_folded=fold(name), parent=parent,
        kind=kind or {Level.PROVINCE: Kind.TINH, Level.DISTRICT: Kind.HUYEN, Level.COMMUNE: Kind.XA}[level],
        valid_from=None if structure == Structure.PRE_2025 else date(2025, 7, 1), valid_to=valid_to,
    )  # fmt: skip
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = unit.path.count("/") - 2
    unit.save(update_fields=["path", "depth"])
    return unit


class World:
    """Units: Hưng Yên (2025) with Xã Thái Thụy and Xã Đông Thụy Anh; Hà Nội (2025) with Phường Ba Đình;
    the old Tỉnh Thái Bình › Huyện Thái Thụy › Thị trấn Diêm Điền / Xã Thụy Hải (both merged into
    Xã Thái Thụy) and Xã Thụy Trường, split between the two new communes."""

    def __init__(self):
        old_end = date(2025, 6, 30)
        self.hung_yen = make_unit("Tỉnh Hưng Yên", level=Level.PROVINCE, code="33")
        self.thai_thuy = make_unit("Xã Thái Thụy", level=Level.COMMUNE, code="12730", parent=self.hung_yen)
        self.dong_thuy_anh = make_unit(
            "Xã Đông Thụy Anh", level=Level.COMMUNE, code="12731", parent=self.hung_yen
        )
        self.ha_noi = make_unit(
            "Thành phố Hà Nội", level=Level.PROVINCE, code="01", kind=Kind.THANH_PHO_TRUNG_UONG
        )
        self.ba_dinh = make_unit("Phường Ba Đình", level=Level.COMMUNE, code="00004", parent=self.ha_noi,
                                 kind=Kind.PHUONG)  # fmt: skip
        self.old_thai_binh = make_unit("Tỉnh Thái Bình", level=Level.PROVINCE, code="34", structure=Structure.PRE_2025,
                                       valid_to=old_end)  # fmt: skip
        self.old_thai_thuy = make_unit("Huyện Thái Thụy", level=Level.DISTRICT, code="344", parent=self.old_thai_binh,
                                       structure=Structure.PRE_2025, valid_to=old_end)  # fmt: skip
        self.old_diem_dien = make_unit("Thị trấn Diêm Điền", level=Level.COMMUNE, code="12700", parent=self.old_thai_thuy,
                                       structure=Structure.PRE_2025, kind=Kind.THI_TRAN, valid_to=old_end)  # fmt: skip
        self.old_thuy_hai = make_unit("Xã Thụy Hải", level=Level.COMMUNE, code="12701", parent=self.old_thai_thuy,
                                      structure=Structure.PRE_2025, valid_to=old_end)  # fmt: skip
        self.old_thuy_truong = make_unit("Xã Thụy Trường", level=Level.COMMUNE, code="12702", parent=self.old_thai_thuy,
                                         structure=Structure.PRE_2025, valid_to=old_end)  # fmt: skip
        for old, new in [(self.old_diem_dien, self.thai_thuy), (self.old_thuy_hai, self.thai_thuy),
                         (self.old_thuy_truong, self.thai_thuy), (self.old_thuy_truong, self.dong_thuy_anh),
                         (self.old_thai_thuy, self.thai_thuy), (self.old_thai_thuy, self.dong_thuy_anh),
                         (self.old_thai_binh, self.hung_yen)]:  # fmt: skip
            UnitSuccession.objects.create(predecessor=old, successor=new, effective=date(2025, 7, 1))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.COMMUNE_OFFICER
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"HK{n:08d}")
    address = "Thôn 1"


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citizen

    id_number = factory.Sequence(lambda n: f"034090{n:06d}")
    family_name = "Nguyễn"
    middle_name = "Văn"
    given_name = "An"
    birth_date = date(1990, 3, 15)
    sex = "M"
    ethnicity = "Kinh"
    nationality = "VNM"
    full_name = factory.LazyAttribute(lambda o: join_full_name(o.family_name, o.middle_name, o.given_name))
    name_folded = factory.LazyAttribute(lambda o: fold(o.full_name))
    name_sorted = factory.LazyAttribute(lambda o: sorted_tokens_key(o.full_name))


def today():
    return timezone.localdate()
