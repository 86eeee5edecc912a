"""The synthetic fingerprint generator: deterministic, distinct fingers, the data-set layout, the pattern class
visible in the orientation field (Poincaré index), and minutiae that a real extractor (NBIS MINDTCT) finds and a
real matcher (Bozorth3) pairs between impressions of one finger but not between different fingers."""

import json
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from cancuoc.fingerprints.synth import (
    FINGER_POSITIONS,
    IMAGE_SHAPE,
    SynthError,
    SynthErrorCode,
    finger_class,
    generate_finger,
    generate_master,
    write_dataset,
)

SEED = 20261201


def test_an_image_depends_only_on_seed_person_finger_and_impression():
    first = generate_finger(SEED, 3, 2, 2)
    generate_master.cache_clear()
    generate_finger(SEED, 7, 9, 1)  # other work in between changes nothing
    again = generate_finger(SEED, 3, 2, 2)
    assert first.dtype == np.uint8 and first.shape == IMAGE_SHAPE
    assert np.array_equal(first, again)
    assert not np.array_equal(first, generate_finger(SEED + 1, 3, 2, 2))


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(float) - a.mean(), b.astype(float) - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def test_persons_and_fingers_have_different_ridge_patterns():
    masters = [
        generate_master(SEED, person, position) for person, position in [(1, 1), (2, 1), (1, 2), (1, 7)]
    ]
    for i, one in enumerate(masters):
        for other in masters[i + 1 :]:
            assert abs(_correlation(one.ridges, other.ridges)) < 0.2


def test_impressions_look_like_prints_dark_ridges_on_light_background():
    image = generate_finger(SEED, 1, 3, 1)
    assert np.median(image[:12, :12]) > 180  # corner: background
    centre = image[150:250, 110:210]
    assert centre.min() < 90 and centre.max() > 170  # ridges and valleys in the middle


def _pngs(folder) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.png"))


def test_write_dataset_lays_out_person_impression_finger(tmp_path):
    calls = []
    count = write_dataset(tmp_path, 1, 2, SEED, progress=lambda done, total: calls.append((done, total)))
    assert count == 20 and calls == [(2 * n, 20) for n in range(1, 11)]
    assert _pngs(tmp_path) == sorted(f"1/{impression}/{position}.png" for impression in (1, 2)
                                     for position in FINGER_POSITIONS)  # fmt: skip
    with Image.open(tmp_path / "1" / "2" / "7.png") as png:
        assert png.mode == "L" and png.size == (IMAGE_SHAPE[1], IMAGE_SHAPE[0])
        assert np.array_equal(np.asarray(png), generate_finger(SEED, 1, 7, 2))


def test_parallel_workers_write_the_same_images_as_one_process(tmp_path):
    calls = []
    count = write_dataset(tmp_path, 1, 1, SEED, workers=2, progress=lambda done, total: calls.append(done))
    assert count == 10 and calls == list(range(1, 11))
    assert _pngs(tmp_path) == sorted(f"1/1/{position}.png" for position in FINGER_POSITIONS)
    for position in FINGER_POSITIONS:
        with Image.open(tmp_path / "1" / "1" / f"{position}.png") as png:
            assert np.array_equal(np.asarray(png), generate_finger(SEED, 1, position, 1))


def test_bad_requests_raise_coded_errors():
    with pytest.raises(SynthError) as raised:
        generate_finger(SEED, 1, 11, 1)
    assert raised.value.code == SynthErrorCode.BAD_POSITION
    with pytest.raises(SynthError) as raised:
        finger_class(SEED, 0, 1)
    assert raised.value.code == SynthErrorCode.BAD_PERSON
    with pytest.raises(SynthError) as raised:
        generate_finger(SEED, 1, 1, 0)
    assert raised.value.code == SynthErrorCode.BAD_IMPRESSION


def test_class_frequencies_follow_the_published_tallies():
    tally = Counter(
        finger_class(SEED, person, position) for person in range(1, 301) for position in FINGER_POSITIONS
    )
    total = sum(tally.values())
    loops = (tally["left_loop"] + tally["right_loop"]) / total
    assert 0.58 < loops < 0.72
    assert 0.22 < tally["whorl"] / total < 0.34
    assert 0.03 < (tally["arch"] + tally["tented_arch"]) / total < 0.11
    # ulnar loops dominate: right loops on the right hand, left loops on the left
    right_hand = Counter(finger_class(SEED, p, f) for p in range(1, 301) for f in range(1, 6))
    assert right_hand["right_loop"] > 3 * right_hand["left_loop"]


def test_a_persons_fingers_share_a_tendency_to_whorls():
    whorls = np.array([[finger_class(SEED, p, f) == "whorl" for f in (2, 3)] for p in range(1, 1501)])
    given_whorl, given_other = whorls[whorls[:, 0], 1].mean(), whorls[~whorls[:, 0], 1].mean()
    assert given_whorl > given_other + 0.08


def _turn(values: np.ndarray) -> float:
    """Total orientation change along a closed path of samples (each step taken in (-π/2, π/2]), in turns."""
    change = np.diff(np.append(values, values[0]))
    return float(((change + np.pi / 2) % np.pi - np.pi / 2).sum() / (2 * np.pi))


def poincare_index(orientation: np.ndarray, x: float, y: float, radius: float, steps: int = 96) -> float:
    """Poincaré index of the orientation field on a circle: +1/2 around a core, -1/2 around a delta."""
    angles = np.linspace(0, 2 * np.pi, steps, endpoint=False)
    xs = np.clip(np.round(x + radius * np.cos(angles)).astype(int), 0, orientation.shape[1] - 1)
    ys = np.clip(np.round(y + radius * np.sin(angles)).astype(int), 0, orientation.shape[0] - 1)
    return _turn(orientation[ys, xs])


def _singular_points_on_grid(orientation: np.ndarray, step: int = 12) -> list[tuple[int, int, float]]:
    """(x, y, index) of every square grid cell whose boundary has a non-zero Poincaré index (the cells tile
    the field, so each singular point is counted once)."""
    found = []
    side = np.arange(step)
    for y in range(step, orientation.shape[0] - step, step):
        for x in range(step, orientation.shape[1] - step, step):
            path = np.concatenate([
                orientation[y, x + side], orientation[y + side, x + step],
                orientation[y + step, x + step - side], orientation[y + step - side, x],
            ])  # fmt: skip
            index = _turn(path)
            if abs(index) > 0.25:
                found.append((x, y, index))
    return found


def _masters_of_class(kind: str, count: int = 3):
    fingers = [(p, f) for p in range(1, 500) for f in FINGER_POSITIONS if finger_class(SEED, p, f) == kind]
    return [generate_master(SEED, *finger) for finger in fingers[:count]]


def test_whorl_has_a_core_region_of_index_plus_one_and_two_deltas():
    for master in _masters_of_class("whorl"):
        assert len(master.cores) == 2 and len(master.deltas) == 2
        cx = sum(c[0] for c in master.cores) / 2
        cy = sum(c[1] for c in master.cores) / 2
        spread = np.hypot(master.cores[0][0] - master.cores[1][0], master.cores[0][1] - master.cores[1][1])
        assert poincare_index(master.orientation, cx, cy, spread / 2 + 18) == pytest.approx(1.0, abs=0.02)
        for delta in master.deltas:
            assert poincare_index(master.orientation, *delta, 12) == pytest.approx(-0.5, abs=0.02)
        indices = sorted(round(i * 2) / 2 for _, _, i in _singular_points_on_grid(master.orientation))
        assert indices.count(-0.5) == 2 and sum(indices) == pytest.approx(0.0)


@pytest.mark.parametrize("kind", ["left_loop", "right_loop"])
def test_loop_has_one_core_and_one_delta_and_opens_to_its_side(kind):
    for master in _masters_of_class(kind):
        (core,), (delta,) = master.cores, master.deltas
        assert poincare_index(master.orientation, *core, 12) == pytest.approx(0.5, abs=0.02)
        assert poincare_index(master.orientation, *delta, 12) == pytest.approx(-0.5, abs=0.02)
        indices = sorted(round(i * 2) / 2 for _, _, i in _singular_points_on_grid(master.orientation))
        assert indices == [-0.5, 0.5]
        # The loop opens where the ridges run along the radius from the core (one direction for a core).
        angles = np.linspace(-np.pi, np.pi, 180, endpoint=False)
        xs = np.round(core[0] + 25 * np.cos(angles)).astype(int)
        ys = np.round(core[1] + 25 * np.sin(angles)).astype(int)
        opening = angles[np.argmax(np.cos(2 * (master.orientation[ys, xs] - angles)))]
        assert np.cos(opening) < -0.1 if kind == "left_loop" else np.cos(opening) > 0.1


def test_tented_arch_has_a_core_right_above_its_delta():
    for master in _masters_of_class("tented_arch"):
        (core,), (delta,) = master.cores, master.deltas
        assert poincare_index(master.orientation, *core, 10) == pytest.approx(0.5, abs=0.02)
        assert poincare_index(master.orientation, *delta, 10) == pytest.approx(-0.5, abs=0.02)
        assert abs(delta[0] - core[0]) < 25 < delta[1] - core[1]


def test_arch_has_no_singular_point():
    for master in _masters_of_class("arch"):
        assert master.cores == () and master.deltas == ()
        assert _singular_points_on_grid(master.orientation) == []


def _ridge_orientation(image: np.ndarray, sigma: float = 7.0) -> np.ndarray:
    """Ridge direction estimated from the pattern itself (smoothed structure tensor of the grey levels)."""
    from scipy import ndimage

    gy, gx = np.gradient(ndimage.gaussian_filter(image.astype(np.float64), 1.0))
    jxx, jyy, jxy = (ndimage.gaussian_filter(a, sigma) for a in (gx * gx, gy * gy, gx * gy))
    return np.mod(0.5 * np.arctan2(2 * jxy, jxx - jyy) + np.pi / 2, np.pi)


@pytest.mark.parametrize("kind", ["arch", "left_loop", "whorl"])
def test_grown_ridges_follow_the_field_and_show_its_singular_points(kind):
    (master,) = _masters_of_class(kind, 1)
    seen = _ridge_orientation(master.ridges)
    y, x = np.indices(seen.shape)
    inside = (np.abs(x - master.centre[0]) < 0.8 * master.half_width) & (y < seen.shape[0] - 20)
    inside &= y > master.centre[1] - 0.8 * master.half_height
    for sx, sy in master.cores + master.deltas:
        inside &= np.hypot(x - sx, y - sy) > 25
    assert np.cos(2 * (seen - master.orientation))[inside].mean() > 0.97  # no seams, no stray flow
    # no singular point in the ridge pattern but the designed ones (whose surroundings ``inside`` leaves out)
    assert [
        (cell_x, cell_y) for cell_x, cell_y, _ in _singular_points_on_grid(seen) if inside[cell_y, cell_x]
    ] == []
    if master.cores:
        # a circle round all the cores: +1/2 each
        cx, cy = np.mean(master.cores, axis=0)
        radius = 20 + max(np.hypot(core_x - cx, core_y - cy) for core_x, core_y in master.cores)
        assert poincare_index(seen, cx, cy, radius) == pytest.approx(len(master.cores) / 2, abs=0.02)
    for delta in master.deltas:
        assert poincare_index(seen, *delta, 20) == pytest.approx(-0.5, abs=0.02)


@pytest.fixture(scope="module")
def templates():
    from afis import NbisExtractor

    extractor = NbisExtractor(quality_mode="off")
    # person 1's masters are in the cache already (the data-set tests made them)
    fingers = [(1, position) for position in FINGER_POSITIONS] + [(2, 1), (2, 2)]
    found = {
        (finger, impression): extractor.extract_minutiae(generate_finger(SEED, *finger, impression))
        for finger in fingers
        for impression in (1, 2)
    }
    return extractor, fingers, found


def test_minutiae_arise_in_realistic_numbers(templates):
    _, _, found = templates
    counts = [template.n_minutiae for template in found.values()]
    assert all(15 <= n <= 100 for n in counts), counts
    assert 25 <= np.median(counts) <= 80


def test_impressions_of_one_finger_match_and_different_fingers_do_not(templates):
    extractor, fingers, found = templates
    mated = [extractor.match(found[(f, 1)], found[(f, 2)]).raw_score for f in fingers]
    non_mated = [
        extractor.match(found[(f, 1)], found[(g, 2)]).raw_score for f in fingers for g in fingers if f != g
    ]
    assert np.median(mated) > 2 * max(non_mated), (mated, max(non_mated))
    assert max(non_mated) < 40  # Bozorth3's customary decision threshold
    assert sum(score >= 40 for score in mated) >= len(mated) - 2


def test_the_generator_imports_no_django():
    program = "import json, sys, cancuoc.fingerprints.synth\nprint(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))"
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == []
