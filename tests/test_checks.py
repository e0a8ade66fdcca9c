import os
import subprocess
import sys
import textwrap

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


class AlwaysEqual:
    """What a determined student might return: equal to anything, its own items and attributes."""

    def __eq__(self, other):
        return True

    def __len__(self):
        return 1

    def __getitem__(self, index):
        return self

    def __getattr__(self, name):
        return self


@pytest.mark.parametrize("value", [AlwaysEqual(), "1.0", np.array([1.0], dtype=object), [AlwaysEqual()]])
def test_objects_that_are_not_plain_values_are_refused(value):
    """Is an object that compares equal to anything (or a string, or an object array) refused?"""
    with pytest.raises(AssertionError, match="should be a NumPy array or a number"):
        checks.check_close(value, [1.0], "the result")


def test_concept_answers_must_be_plain_letters_and_numbers():
    """Are an always-equal object, a wrong letter and a string number refused as concept answers?"""
    assert checks.letter("b", "abcd", "answer_q1") == "b"
    assert checks.number(np.float32(0.25), "answer_q2") == 0.25
    for value in (AlwaysEqual(), "e", "ab"):
        with pytest.raises(AssertionError, match="one letter"):
            checks.letter(value, "abcd", "answer_q1")
    for value in (AlwaysEqual(), "0.25", None):
        with pytest.raises(AssertionError, match="with a number"):
            checks.number(value, "answer_q2")


def test_numpy_and_the_checks_cannot_be_patched_through_a_parameter():
    """In a kernel, does `def p(m): m.allclose = ...; p(np)` fail for numpy, numpy.testing, keras and the checks?
    (Run in a fresh interpreter: sealing is for kernels, and would stop monkeypatching in this test run.)"""
    program = textwrap.dedent("""
        import sys, types
        sys.modules["ipykernel"] = types.ModuleType("ipykernel")  # as in a Jupyter kernel
        import numpy as np
        import keras
        from course_helpers import checks

        def patch(module):
            module.allclose = lambda *args, **kwargs: True

        for module in (np, np.testing, keras.ops, checks):
            try:
                patch(module)
            except AttributeError as error:
                assert "cannot be changed" in str(error)
            else:
                raise SystemExit(f"{module.__name__} was patched")
        try:
            del checks.check_close
        except AttributeError as error:
            assert "cannot be deleted" in str(error)
        else:
            raise SystemExit("check_close was deleted")
        print("sealed")
    """)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0 and "sealed" in result.stdout, result.stdout + result.stderr[-2000:]


def test_numpy_only_catches_a_framework_called_under_another_name():
    """Is a Keras function imported under an alias caught, and plain NumPy let through?"""
    import keras
    from keras.activations import sigmoid as s

    def answer_with_keras(x):
        return keras.ops.convert_to_numpy(s(x))

    def answer_in_numpy(x):
        return 1 / (1 + np.exp(-x))

    with pytest.raises(AssertionError, match="must be written in NumPy, but it called keras"):
        checks.numpy_only(answer_with_keras, np.zeros(3))
    checks.check_close(checks.numpy_only(answer_in_numpy, np.zeros(3)), [0.5, 0.5, 0.5], "sigmoid(0)")
