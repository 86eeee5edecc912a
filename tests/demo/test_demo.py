from datetime import date

from cancuoc.demo.population import PopulationGenerator
from cancuoc.demo.services import ensure_demo_users, generate_population
from cancuoc.registry.models import Citizen, Household, QualityFlag
from cancuoc.rules import idnumber


def people(seed, n=2000):
    generator = PopulationGenerator(
        seed=seed, today=date(2026, 11, 1), birth_province_codes=["034"], communes=5
    )
    return [person for household in generator.households(n) for person in household]


def test_the_same_seed_gives_the_same_people():
    first, again, other = people(1), people(1), people(2)
    assert [(p.id_number, p.family_name, p.given_name, p.birth_date) for p in first] == [
        (p.id_number, p.family_name, p.given_name, p.birth_date) for p in again
    ]
    assert [p.id_number for p in first] != [p.id_number for p in other]


def test_the_population_looks_vietnamese():
    population = people(3, 5000)
    share = lambda predicate: sum(map(predicate, population)) / len(population)  # noqa: E731
    assert 0.30 < share(lambda p: p.family_name == "Nguyễn") < 0.46
    assert 0.68 < share(lambda p: (date(2026, 11, 1) - p.birth_date).days >= 14 * 365.25) < 0.86
    assert 0.45 < share(lambda p: p.sex == "F") < 0.55
    women = [p for p in population if p.sex == "F"]
    assert 0.25 < sum(p.middle_name == "Thị" for p in women) / len(women) < 0.6
    assert 0.75 < share(lambda p: p.ethnicity == "Kinh") < 0.95
    assert 0.02 < share(lambda p: bool(p.problems)) < 0.06  # a few percent of deliberate problems
    numbers = [p.id_number for p in population]
    assert len(set(numbers)) == len(numbers)
    clean = [p for p in population if not p.problems]
    assert all(idnumber.decode(p.id_number).birth_year == p.birth_date.year for p in clean)
    assert all(idnumber.decode(p.id_number).sex == p.sex for p in clean)


def test_generate_population_fills_the_province_with_flags_and_logins(world):
    result = generate_population(province_code="33", citizens=600, seed=5, today=date(2026, 11, 1))
    assert Citizen.objects.count() == 600 == result.citizens
    assert set(Citizen.objects.values_list("permanent_unit__parent__code", flat=True)) == {"33"}
    assert not Household.objects.filter(head__isnull=True).exists()
    assert QualityFlag.objects.filter(code="duplicate").exists()
    logins = ensure_demo_users(world.hung_yen)
    assert {login.username for login in logins} >= {"admin", "auditor", "province", "commune1"}


def test_the_demo_only_produces_listed_ethnic_groups_and_religions():
    from cancuoc.rules.ethnic_religion import ETHNIC_GROUPS, NO_RELIGION, RELIGIONS

    population = people(4, 5000)
    assert {p.ethnicity for p in population} <= {*ETHNIC_GROUPS, ""}  # "": a deliberate missing field
    assert {p.religion for p in population} <= {*RELIGIONS, NO_RELIGION, ""}


def test_no_demo_citizen_dies_before_being_born():
    from datetime import date

    from cancuoc.demo.population import PopulationGenerator

    generator = PopulationGenerator(seed=7, today=date(2026, 12, 1), birth_province_codes=["001"], communes=3)
    people = [person for household in generator.households(4000) for person in household]
    dead = [p for p in people if p.date_of_death is not None]
    assert dead and all(p.date_of_death >= p.birth_date for p in dead)
