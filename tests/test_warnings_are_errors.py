"""Warnings are errors in the tests (pyproject.toml ``filterwarnings``): a deprecation or an unclosed file
fails the test that caused it instead of scrolling past in a summary."""

import warnings

import pytest


@pytest.mark.parametrize("category", [DeprecationWarning, ResourceWarning, RuntimeWarning, UserWarning])
def test_a_warning_raised_in_a_test_is_an_error(category):
    with pytest.raises(category):
        warnings.warn("raised by a test", category, stacklevel=1)
