"""Comparisons for visible test cells: fail with a message that says what to fix."""

import numpy as np


def check_shape(actual, expected_shape, what):
    """Raise AssertionError naming ``what`` unless ``actual`` has ``expected_shape``."""
    shape = np.shape(actual)
    if shape != tuple(expected_shape):
        raise AssertionError(f"{what} should have shape {tuple(expected_shape)}, got {shape}.")


def check_close(actual, expected, what, *, rtol=1e-6, atol=1e-6, hint=""):
    """Raise AssertionError naming ``what`` and the worst entry unless the arrays agree."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    check_shape(actual, expected.shape, what)
    if not np.all(np.isfinite(actual)):
        raise AssertionError(f"{what} contains inf or NaN: {actual}. {hint}".strip())
    if not np.allclose(actual, expected, rtol=rtol, atol=atol):
        worst = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(actual - expected)), actual.shape))
        where = f" at index {worst}" if worst else ""
        raise AssertionError(
            f"{what} is off{where}: got {float(actual[worst]):.8g}, expected {float(expected[worst]):.8g}. {hint}"
            .strip())


def check_equal(actual, expected, what, *, hint=""):
    """Raise AssertionError unless ``actual`` equals ``expected`` element for element."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    check_shape(actual, expected.shape, what)
    if not np.array_equal(actual, expected):
        raise AssertionError(f"{what}: got {actual.tolist()}, expected {expected.tolist()}. {hint}".strip())
