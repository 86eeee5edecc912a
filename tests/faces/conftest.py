import pytest

from cancuoc.faces.quality import check_portrait

from .portraits import astronaut_on_plain_background, compliant, png


@pytest.fixture(scope="session")
def composite():
    """The astronaut photo, 512 × 512, on a plain light background."""
    return astronaut_on_plain_background()


@pytest.fixture(scope="session")
def portrait(composite):
    """A compliant capture, 413 × 531 RGB."""
    return compliant(composite)


@pytest.fixture(scope="session")
def portrait_png(portrait):
    return png(portrait)


@pytest.fixture(scope="session")
def portrait_report(portrait_png):
    return check_portrait(portrait_png)
