import dataclasses
import datetime as dt

import pytest

from cancuoc.dedup.index import DemographicIndex
from cancuoc.dedup.records import PersonRecord
from cancuoc.dedup.synthetic import generate_population

# A woman with a southern family name, a swinging tone mark in her given name and an old 9-digit number.
ORIGINAL = PersonRecord(
    record_id="001187012345", family_name="Huỳnh", middle_name="Thị", given_name="Thúy",
    birth_date=dt.date(1987, 3, 9), sex="F", birth_place="001", origin_place="Tỉnh Nam Định", ethnicity="Kinh",
    father_name="Huỳnh Văn Lộc", mother_name="Trần Thị Hoa", spouse_name="Lê Văn Nam",
    household_id="001000999001", address_unit="00100007", old_id_number="123456789",
)  # fmt: skip
TWIN = dataclasses.replace(ORIGINAL, record_id="001187054321", given_name="Hồng", old_id_number="",
                           spouse_name="")  # fmt: skip
NAMESAKE = PersonRecord(
    record_id="001187099999", family_name="Huỳnh", middle_name="Thị", given_name="Thúy",
    birth_date=dt.date(1987, 11, 20), sex="F", birth_place="001", origin_place="Tỉnh Nam Định", ethnicity="Kinh",
    father_name="Huỳnh Văn Tâm", mother_name="Phạm Thị Lan", spouse_name="Đỗ Văn Hùng",
    household_id="001000999777", address_unit="00100007", old_id_number="",
)  # fmt: skip


@pytest.fixture(scope="session")
def background():
    records, _ = generate_population(6000, duplicate_rate=0.0, seed=3)
    return records


@pytest.fixture(scope="session")
def index(background):
    return DemographicIndex([*background, ORIGINAL, TWIN, NAMESAKE])
