import pytest
from PIL import Image

from cancuoc.biometrics import abis

FINGERS = (1, 2, 6, 7)  # both thumbs and index fingers: enough to identify, quick to make


@pytest.fixture(scope="session")
def finger_folders(tmp_path_factory):
    """Synthetic prints of three people, two impressions each: ``folders[(person, impression)]`` is a folder
    of ``F.png`` files as the ABIS commands take them."""
    from cancuoc.fingerprints.synth import generate_finger

    root = tmp_path_factory.mktemp("fingers")
    folders = {}
    for person in (1, 2, 3):
        for impression in (1, 2):
            folder = root / f"{person}-{impression}"
            folder.mkdir()
            for position in FINGERS:
                Image.fromarray(generate_finger(20261201, person, position, impression)).save(
                    folder / f"{position}.png"
                )
            folders[(person, impression)] = folder
    return folders


@pytest.fixture(autouse=True)
def _fresh_abis_backend():
    """Each test starts with no in-memory gallery: the database it sees is rolled back between tests."""
    abis.reset_backend()
    yield
    abis.reset_backend()
