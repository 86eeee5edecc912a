"""The reference 1:N engine: finds a person from another impression of the fingers, not from the enrolled
bytes; leaves a stranger unmatched; compares only a shortlist; deletes and replaces."""

import numpy as np
import pytest

from cancuoc.fingerprints.engine import Candidate, ReferenceEngine
from cancuoc.fingerprints.errors import FingerprintError
from cancuoc.fingerprints.evaluation import person_templates
from cancuoc.fingerprints.templates import decode_iso19794_2, encode_iso19794_2

SEED = 5
POSITIONS = (2, 7)  # two fingers per person keep the test fast; the engine fuses whatever fingers it gets
GALLERY = 12


def enrolled(person):
    return person_templates(SEED, person, 1, POSITIONS)


def second_impression(person):
    return person_templates(SEED, person, 2, POSITIONS)


@pytest.fixture
def engine():
    engine = ReferenceEngine(shortlist=4)
    for person in range(1, GALLERY + 1):
        engine.insert(f"person-{person}", enrolled(person))
    return engine


def test_a_second_impression_finds_its_person_among_distractors(engine):
    probe = second_impression(3)
    # Not the same bytes: the probe is another capture of the fingers.
    assert encode_iso19794_2(probe) != encode_iso19794_2(enrolled(3))
    assert len(probe[2]) != len(enrolled(3)[2]) or not np.array_equal(
        probe[2].minutiae, enrolled(3)[2].minutiae
    )
    candidates = engine.identify(probe, limit=5)
    assert isinstance(candidates[0], Candidate)
    assert candidates[0].reference == "person-3" and candidates[0].match
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    assert all(not c.match for c in candidates[1:])


def test_a_person_never_enrolled_gets_no_match(engine):
    stranger = second_impression(GALLERY + 5)
    assert not any(c.match for c in engine.identify(stranger))


def test_identify_compares_only_a_shortlist_not_the_whole_gallery(engine):
    before = engine.comparisons
    engine.identify(second_impression(8), limit=10)
    made = engine.comparisons - before
    assert 0 < made <= engine.shortlist * len(POSITIONS) < GALLERY * len(POSITIONS)


def test_a_record_decoded_from_iso_bytes_searches_the_same(engine):
    probe = decode_iso19794_2(encode_iso19794_2(second_impression(6)))
    assert engine.identify(probe, limit=1)[0].reference == "person-6"


def test_exclude_leaves_the_reference_out(engine):
    candidates = engine.identify(second_impression(3), exclude="person-3")
    assert "person-3" not in [c.reference for c in candidates]
    assert not any(c.match for c in candidates)


def test_delete_removes_and_insert_replaces(engine):
    assert len(engine) == GALLERY
    assert engine.delete("person-3") is True
    assert engine.delete("person-3") is False
    assert len(engine) == GALLERY - 1 and "person-3" not in engine
    assert "person-3" not in [c.reference for c in engine.identify(second_impression(3))]
    # Replacing person-4's fingers with person-3's: person-3's prints now find person-4, and 4's own don't.
    engine.insert("person-4", enrolled(3))
    assert len(engine) == GALLERY - 1
    assert engine.identify(second_impression(3), limit=1)[0].reference == "person-4"
    assert not any(c.match for c in engine.identify(second_impression(4)))


def test_verify_one_to_one(engine):
    genuine = engine.verify(second_impression(2), enrolled(2))
    impostor = engine.verify(second_impression(2), enrolled(9))
    assert genuine.match and genuine.fingers == 2
    assert not impostor.match and impostor.score < genuine.score
    one_finger = engine.verify({2: second_impression(2)[2]}, enrolled(2))
    assert one_finger.fingers == 1 and one_finger.match


def test_bad_input_is_refused(engine):
    with pytest.raises(FingerprintError):
        engine.insert("", enrolled(1))
    with pytest.raises(FingerprintError):
        engine.identify({3: enrolled(1)[2]})  # filed under the wrong position
    assert engine.identify({}) == []
