import numpy as np
import pytest

from course_helpers import checks


def test_close_arrays_pass():
    """Do arrays within tolerance pass silently?"""
    checks.check_close([1.0, 2.0], np.array([1.0, 2.0 + 1e-9]), "x")


def test_far_arrays_name_the_worst_entry():
    """Does a mismatch say what was compared, where, and the hint?"""
    with pytest.raises(AssertionError, match=r"the loss is off at index \(1,\): got 5, expected 2. Check the sign"):
        checks.check_close([1.0, 5.0], [1.0, 2.0], "the loss", hint="Check the sign.")


def test_nan_is_reported_as_such():
    """Is a NaN reported as a NaN rather than as a plain mismatch?"""
    with pytest.raises(AssertionError, match="inf or NaN"):
        checks.check_close([np.nan], [1.0], "softmax")


def test_wrong_shape_is_reported_before_values():
    """Does a wrong shape give a shape message?"""
    with pytest.raises(AssertionError, match=r"should have shape \(2,\), got \(3,\)"):
        checks.check_close([1, 2, 3], [1, 2], "w")


def test_check_equal_lists_both_values():
    """Does check_equal show what came and what was expected?"""
    with pytest.raises(AssertionError, match=r"got \[1, 0\], expected \[0, 1\]"):
        checks.check_equal([1, 0], [0, 1], "labels")
    checks.check_equal(np.array([0, 1]), [0, 1], "labels")
