"""A deterministic synthetic population for one province: names, ages, households, residence.

The same ``--seed`` gives the same people, numbers and addresses. Name frequencies, the age pyramid and
the ethnic and religious mix follow published national figures closely enough for realistic searches
(a third of people named Nguyễn) and realistic campaign numbers (about 77 % aged 14 and over). A few
percent of the records carry deliberate data-quality problems, so the quality pages have work to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker
from faker.providers.person.vi_VN import Provider as VietnamesePersonProvider

from cancuoc.rules import idnumber

# Family names with approximate national shares (per cent); the rest share the remainder.
SURNAMES = [
    ("Nguyễn", 38.4), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 3.4), ("Huỳnh", 1.7), ("Phan", 4.5),
    ("Vũ", 2.3), ("Võ", 1.6), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0),
    ("Lý", 0.5), ("Đào", 0.4), ("Đoàn", 0.4), ("Vương", 0.3), ("Trịnh", 0.3), ("Trương", 0.3), ("Lâm", 0.3),
    ("Mai", 0.3), ("Lương", 0.3), ("Hà", 0.3), ("Tạ", 0.2), ("Cao", 0.2), ("Quách", 0.1), ("Lò", 0.1), ("Hứa", 0.1),
]  # fmt: skip
MIDDLE_MALE = [
    "Văn",
    "Đức",
    "Minh",
    "Quang",
    "Hữu",
    "Thành",
    "Công",
    "Xuân",
    "Ngọc",
    "Duy",
    "Hoàng",
    "Tiến",
    "Anh",
    "Gia",
]
MIDDLE_FEMALE = [
    "Thị",
    "Ngọc",
    "Thu",
    "Thanh",
    "Minh",
    "Phương",
    "Kim",
    "Bảo",
    "Hồng",
    "Mỹ",
    "Khánh",
    "Thùy",
    "Diệu",
]
GIVEN_MALE = sorted(set(VietnamesePersonProvider.first_names_male) | {
    "An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hải", "Hiếu", "Hòa", "Huy", "Khánh", "Khoa", "Long", "Lộc",
    "Minh", "Nghĩa", "Phong", "Quân", "Sơn", "Tài", "Thắng", "Thịnh", "Tuấn", "Việt", "Vinh", "Hùng", "Toàn",
})  # fmt: skip
GIVEN_FEMALE = sorted(set(VietnamesePersonProvider.first_names_female) | {
    "Anh", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Huyền", "Lan", "Loan", "Nga", "Ngân", "Nhung", "Oanh",
    "Phương", "Quỳnh", "Thủy", "Thúy", "Trang", "Uyên", "Vân", "Yến", "Hòa", "Xuân", "Tâm", "Liên",
})  # fmt: skip
# Share of the population per five-year age band, 0–4 … 85+ (2019 census, rounded).
AGE_BANDS = [7.7, 8.1, 7.4, 6.6, 7.0, 8.4, 8.3, 8.0, 7.3, 6.6, 6.1, 5.4, 4.6, 3.4, 2.2, 1.4, 1.0, 0.9]
ETHNICITIES = [
    ("Kinh", 85.3), ("Tày", 1.9), ("Thái", 1.9), ("Mường", 1.5), ("Mông", 1.5), ("Khmer", 1.4), ("Nùng", 1.1),
    ("Hoa", 0.8), ("Dao", 0.9), ("Gia Rai", 0.5), ("Ê Đê", 0.4), ("Ba Na", 0.3), ("Sán Chay", 0.2), ("Chăm", 0.2),
]  # fmt: skip
RELIGIONS = [
    ("", 86.3),
    ("Công giáo", 6.1),
    ("Phật giáo", 4.8),
    ("Tin lành", 1.1),
    ("Cao Đài", 0.6),
    ("Phật giáo Hòa Hảo", 1.0),
]
BLOOD = [("O", 42), ("B", 30), ("A", 21), ("AB", 7), ("", 20)]


@dataclass
class Person:
    id_number: str
    family_name: str
    middle_name: str
    given_name: str
    birth_date: date
    sex: str
    ethnicity: str
    religion: str
    blood_type: str
    commune_index: int
    address: str
    household_key: int
    relation: str
    birth_province_code: str
    marital_status: str = ""
    date_of_death: date | None = None
    birth_date_precision: str = "day"
    temporary_elsewhere: bool = False
    father_name: str = ""
    mother_name: str = ""
    spouse_name: str = ""
    old_id_number: str = ""
    problems: list[str] = field(default_factory=list)


def _weighted(rng: random.Random, table):
    names = [name for name, _ in table]
    weights = [weight for _, weight in table]
    return lambda: rng.choices(names, weights)[0]


class PopulationGenerator:
    def __init__(self, *, seed: int, today: date, birth_province_codes: list[str], communes: int):
        self.rng = random.Random(seed)
        self.faker = Faker("vi_VN")
        self.faker.seed_instance(seed)
        self.today = today
        self.birth_province_codes = birth_province_codes
        self.communes = communes
        self.surname = _weighted(self.rng, SURNAMES)
        self.ethnicity = _weighted(self.rng, ETHNICITIES)
        self.religion = _weighted(self.rng, RELIGIONS)
        self.blood = _weighted(self.rng, BLOOD)
        self.used_numbers: set[str] = set()
        self.household_key = 0

    def _birth_date(self, min_age: int, max_age: int) -> date:
        lo = max(min_age, 0)
        band = self.rng.choices(range(len(AGE_BANDS)), AGE_BANDS)[0]
        age = band * 5 + self.rng.randrange(5)
        age = min(max(age, lo), max_age)
        return self.today - timedelta(days=age * 365 + self.rng.randrange(365))

    def _number(self, birth: date, sex: str, place: str) -> str:
        prefix = idnumber.prefix_for(place, birth.year, sex)
        while True:
            number = f"{prefix}{self.rng.randrange(1_000_000):06d}"
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def _person(self, *, sex: str, birth: date, family: str, relation: str, commune: int, address: str,
                ethnicity: str, religion: str) -> Person:  # fmt: skip
        # "Văn" and "Thị" dominate middle names, the more so the older the person.
        traditional = 0.55 if birth.year < 1990 else 0.25
        if self.rng.random() < traditional:
            middle = "Văn" if sex == "M" else "Thị"
        else:
            middle = self.rng.choice(MIDDLE_MALE if sex == "M" else MIDDLE_FEMALE)
        given = self.rng.choice(GIVEN_MALE if sex == "M" else GIVEN_FEMALE)
        place = (
            self.rng.choice(self.birth_province_codes)
            if self.rng.random() < 0.93
            else self.rng.choice(list(idnumber.PROVINCES_PRE_2025))
        )
        person = Person(
            id_number=self._number(birth, sex, place), family_name=family, middle_name=middle, given_name=given,
            birth_date=birth, sex=sex, ethnicity=ethnicity, religion=religion, blood_type=self.blood(),
            commune_index=commune, address=address, household_key=self.household_key, relation=relation,
            birth_province_code=place,
        )  # fmt: skip
        if birth.year < 1999 and self.rng.random() < 0.5:
            person.old_id_number = f"{self.rng.randrange(10**8, 10**9)}"
        return person

    def households(self, citizens: int):
        """Yield lists of people, one household at a time, until ``citizens`` people exist."""
        made = 0
        while made < citizens:
            self.household_key += 1
            commune = self.rng.randrange(self.communes)
            address = self._address()
            ethnicity, religion = self.ethnicity(), self.religion()
            family = self.surname()
            members: list[Person] = []
            head_sex = "M" if self.rng.random() < 0.7 else "F"
            head_birth = self._birth_date(22, 90)
            head = self._person(sex=head_sex, birth=head_birth, family=family, relation="head", commune=commune,
                                address=address, ethnicity=ethnicity, religion=religion)  # fmt: skip
            members.append(head)
            if self.rng.random() < 0.78:
                spouse_sex = "F" if head_sex == "M" else "M"
                spouse_birth = head_birth + timedelta(days=self.rng.randrange(-1500, 1500))
                spouse_birth = min(spouse_birth, self.today - timedelta(days=18 * 366))
                spouse = self._person(sex=spouse_sex, birth=spouse_birth, family=self.surname(), relation="spouse",
                                      commune=commune, address=address, ethnicity=ethnicity, religion=religion)  # fmt: skip
                members.append(spouse)
                head.marital_status = spouse.marital_status = "married"
                head.spouse_name = _full(spouse)
                spouse.spouse_name = _full(head)
                father, mother = (head, spouse) if head_sex == "M" else (spouse, head)
                head_age = (self.today - head_birth).days // 365
                for _ in range(self.rng.choices([0, 1, 2, 3, 4], [15, 25, 40, 15, 5])[0]):
                    child_age_max = max(head_age - 20, 0)
                    child_birth = self._birth_date(0, child_age_max)
                    sex = "M" if self.rng.random() < 0.51 else "F"
                    child = self._person(sex=sex, birth=child_birth, family=father.family_name, relation="child",
                                         commune=commune, address=address, ethnicity=ethnicity, religion=religion)  # fmt: skip
                    child.father_name, child.mother_name = _full(father), _full(mother)
                    members.append(child)
            elif head_birth.year < 1960:
                head.marital_status = "widowed"
            if self.rng.random() < 0.12:
                elder_birth = self._birth_date(70, 100)
                members.append(self._person(sex="F" if self.rng.random() < 0.6 else "M", birth=elder_birth,
                                            family=self.surname(), relation="parent", commune=commune, address=address,
                                            ethnicity=ethnicity, religion=religion))  # fmt: skip
            kept: list[Person] = []
            for person in members:
                self._maybe_spoil(person)
                # A "duplicate" person is stored twice: it counts for two records.
                cost = 2 if "duplicate" in person.problems else 1
                if made + cost > citizens:
                    person.problems = [p for p in person.problems if p != "duplicate"]
                    cost = 1
                if made + cost > citizens:
                    break
                kept.append(person)
                made += cost
            if kept:
                yield kept

    def _maybe_spoil(self, person: Person) -> None:
        """Deliberate data-quality problems, a few per cent of records."""
        roll = self.rng.random()
        if roll < 0.010:
            person.ethnicity = ""
            person.problems.append("missing_fields")
        elif roll < 0.018:
            year = person.birth_date.year + self.rng.choice([-1, 1])
            person.birth_date = person.birth_date.replace(year=year, day=min(person.birth_date.day, 28))
            person.problems.append("id_contradicts")
        elif roll < 0.022 and (self.today - person.birth_date).days > 31:
            # died at some point of their life (a death before the birth would be a data error of another kind)
            lived = (self.today - person.birth_date).days
            person.date_of_death = self.today - timedelta(days=self.rng.randrange(30, min(2000, lived)))
            person.temporary_elsewhere = True
            person.problems.append("dead_present")
        elif roll < 0.030 and person.birth_date.year < 1975:
            person.birth_date = date(person.birth_date.year, 1, 1)
            person.birth_date_precision = "year"
            person.problems.append("legacy_birth_date")
        elif roll < 0.034:
            person.problems.append("duplicate")

    def _address(self) -> str:
        if self.rng.random() < 0.5:
            return f"Thôn {self.rng.randrange(1, 15)}"
        return f"Số {self.rng.randrange(1, 300)}, {self.faker.street_name()}"


def _full(person: Person) -> str:
    return " ".join(part for part in (person.family_name, person.middle_name, person.given_name) if part)
