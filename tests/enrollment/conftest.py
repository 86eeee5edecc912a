import base64
import io

import pytest
from PIL import Image

from cancuoc.biometrics import abis
from cancuoc.enrollment import actions


@pytest.fixture(scope="session")
def portrait_b64():
    from tests.faces.portraits import astronaut_on_plain_background, compliant, png

    return base64.b64encode(png(compliant(astronaut_on_plain_background()))).decode()


@pytest.fixture(scope="session")
def ten_prints():
    """``ten_prints(person, impression)``: the ten fingers of a synthetic person, base64 PNG by position."""
    from cancuoc.fingerprints.synth import generate_finger

    cache = {}

    def prints(person: int, impression: int = 1) -> dict[str, str]:
        if (person, impression) not in cache:
            encoded = {}
            for position in range(1, 11):
                buffer = io.BytesIO()
                Image.fromarray(generate_finger(424242, person, position, impression)).save(buffer, "PNG")
                encoded[str(position)] = base64.b64encode(buffer.getvalue()).decode()
            cache[(person, impression)] = encoded
        return cache[(person, impression)]

    return prints


@pytest.fixture(autouse=True)
def _fresh_abis_backend():
    """Each test starts with no in-memory gallery or registry index: the database is rolled back between tests."""
    from cancuoc.enrollment import demographic

    abis.reset_backend()
    demographic.reset()
    yield
    abis.reset_backend()
    demographic.reset()


@pytest.fixture
def station(world, officers):
    station = actions.create_station(None, code="CA-TT-01", name="Công an xã Thái Thụy", kind="fixed",
                                     unit=world.thai_thuy, address="Thôn Đông, xã Thái Thụy")  # fmt: skip
    actions.assign_officer(None, station, officers["thai_thuy"])
    return station
