"""Comparisons for test cells: fail with a message that says what to fix, whatever an answer returns.

Tests run in the student's kernel, after the student's answers. So that no answer can change what a
test sees, the checks here
- accept only plain values from student code (a NumPy array or scalar, a Python number or bool, or
  lists and tuples of those) and copy them before comparing: an object whose ``==`` always says True
  is refused with a clear message (``plain``, ``letter``, ``number``);
- use NumPy functions captured when this module was imported, before any answer ran, and refuse
  changes to this module, NumPy, Keras and TensorFlow — the oracles — once they are loaded
  (``seal``): ``def p(m): m.allclose = ...; p(np)`` raises;
- tell whether an answer that must be written in NumPy ran framework code, by watching which code
  runs during the call rather than trusting the names the kernel binds (``numpy_only``).
"""

import sys
import threading
import types

import numpy as np
import numpy.linalg
import numpy.random
import numpy.testing  # noqa: F401 — loaded now so that seal() covers them

# NumPy functions as they were before any answer ran.
_array, _asarray, _shape, _isfinite, _all, _allclose = np.array, np.asarray, np.shape, np.isfinite, np.all, np.allclose
_array_equal, _argmax, _abs, _unravel_index, _ndarray, _generic = (np.array_equal, np.argmax, np.abs,
                                                                   np.unravel_index, np.ndarray, np.generic)
_float, _int, _str, _bool, _type, _isinstance, _tuple, _list = float, int, str, bool, type, isinstance, tuple, list

PLAIN_SCALARS = (int, float, bool)
_format_noted: set[str] = set()  # concept answers whose format was already confirmed (say it once)
FRAMEWORKS = ("keras", "tensorflow", "tf_keras", "jax", "jaxlib", "torch", "sklearn", "scipy")


def _is_plain(value, depth: int = 0) -> bool:
    kind = _type(value)
    if kind is _ndarray:
        return value.dtype.kind in "biuf"
    if kind in PLAIN_SCALARS:
        return True
    if _isinstance(value, _generic) and kind.__module__ == "numpy":
        return value.dtype.kind in "biuf"
    if kind in (_list, _tuple) and depth < 8:
        return all(_is_plain(item, depth + 1) for item in value)
    return False


def plain(value, what: str = "the result") -> np.ndarray:
    """A float64 copy of ``value``; AssertionError unless it is a plain array, number or list of them."""
    if not _is_plain(value):
        raise AssertionError(f"{what} should be a NumPy array or a number, got an object of type "
                             f"{_type(value).__name__}. Return np.ndarray or float values.")
    return _array(value, dtype=np.float64, copy=True)


def letter(value, choices: str = "abcd", what: str = "the answer") -> str:
    """The answer as a one-letter string; AssertionError unless it is one of ``choices``."""
    if _type(value) is not _str or len(value) != 1 or value not in choices:
        raise AssertionError(f'Answer {what} with one letter from {", ".join(choices)}, such as {what} = "a".')
    _note_format(what)
    return _str(value)


def number(value, what: str = "the answer") -> float:
    """The answer as a float; AssertionError unless it is a finite plain number."""
    if _type(value) not in (int, float) and not (_isinstance(value, _generic) and value.dtype.kind in "iuf"):
        raise AssertionError(f"Answer {what} with a number, such as {what} = 0.5.")
    result = _float(value)
    if not _isfinite(result):
        raise AssertionError(f"{what} should be a finite number, got {result}.")
    _note_format(what)
    return result


def _note_format(what: str) -> None:
    if what not in _format_noted:
        _format_noted.add(what)
        print(f"{what}: the format is right; whether the answer is right is checked when the notebook is graded.")


def check_letter(value, choices: str = "abcd", what: str = "the answer") -> None:
    """The visible check of a concept answer: its format only (returns nothing, so that nbgrader does not
    read a returned number as partial credit)."""
    letter(value, choices, what)


def check_number(value, what: str = "the answer") -> None:
    """The visible check of a numeric concept answer: its format only (returns nothing, see check_letter)."""
    number(value, what)


def check_shape(actual, expected_shape, what, *, hint=""):
    """Raise AssertionError naming ``what`` unless ``actual`` has ``expected_shape``."""
    shape = _shape(plain(actual, what))
    if shape != _tuple(expected_shape):
        raise AssertionError(f"{what} should have shape {_tuple(expected_shape)}, got {shape}. {hint}".strip())


def check_close(actual, expected, what, *, rtol=1e-6, atol=1e-6, hint=""):
    """Raise AssertionError naming ``what`` and the worst entry unless the arrays agree."""
    actual = plain(actual, what)
    expected = _array(expected, dtype=np.float64)
    check_shape(actual, expected.shape, what)
    if not _all(_isfinite(actual)):
        raise AssertionError(f"{what} contains inf or NaN: {actual}. {hint}".strip())
    if not _allclose(actual, expected, rtol=rtol, atol=atol):
        worst = _tuple(_int(i) for i in _unravel_index(_argmax(_abs(actual - expected)), actual.shape))
        where = f" at index {worst}" if worst else ""
        raise AssertionError(
            f"{what} is off{where}: got {_float(actual[worst]):.8g}, expected {_float(expected[worst]):.8g}. {hint}"
            .strip())


def check_equal(actual, expected, what, *, hint=""):
    """Raise AssertionError unless ``actual`` equals ``expected`` element for element."""
    actual = _array(actual, copy=True) if _is_plain(actual) else plain(actual, what)
    expected = _array(expected)
    check_shape(actual, expected.shape, what)
    if not _array_equal(actual, expected):
        raise AssertionError(f"{what}: got {actual.tolist()}, expected {expected.tolist()}. {hint}".strip())


def _framework_of(filename: str) -> str | None:
    parts = filename.replace("\\", "/").split("/")
    for index, part in enumerate(parts[:-1]):
        if part in ("site-packages", "dist-packages") and parts[index + 1].split(".")[0] in FRAMEWORKS:
            return parts[index + 1].split(".")[0]
    return None


def numpy_only(function, *args, **kwargs):
    """Call ``function``; AssertionError if the call ran code of a deep-learning framework.

    Every Python function call made during the call is watched (``sys.setprofile``), so an oracle
    imported under another name (``from keras.activations import sigmoid as s``) is caught too.
    Threads started by the answer are refused for the same reason. An answer that lives in a student's
    kernel while the grader judges from outside (autograder/remote.py) is watched there."""
    remote = sys.modules.get("autograder.remote")
    if remote is not None and _type(function) is remote.Remote:
        return function._call_numpy_only(*args, **kwargs)
    used: list[str] = []
    threads_before = threading.active_count()

    def watch(frame, event, arg):
        if event == "call" and not used:
            framework = _framework_of(frame.f_code.co_filename)
            if framework:
                used.append(f"{framework} ({frame.f_code.co_name})")

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        result = function(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    name = getattr(function, "__name__", "the function")
    if used:
        raise AssertionError(f"{name} must be written in NumPy, but it called {used[0]}.")
    if threading.active_count() > threads_before:
        raise AssertionError(f"{name} must be written in NumPy in the calling thread; it started a thread.")
    return result


class _SealedModule(types.ModuleType):
    """A module whose attributes cannot be replaced or deleted (new submodules may still be added)."""

    def __setattr__(self, name, value):
        if name in self.__dict__ or not _isinstance(value, types.ModuleType):
            raise AttributeError(f"{self.__name__}.{name} cannot be changed in this course: tests rely on it")
        if _type(value) is types.ModuleType:  # a submodule imported later is sealed as it is attached
            value.__class__ = _SealedModule
        super().__setattr__(name, value)

    def __delattr__(self, name):
        raise AttributeError(f"{self.__name__}.{name} cannot be deleted in this course: tests rely on it")


def seal(prefixes=("numpy", "course_helpers", "keras", "tensorflow")) -> None:
    """Refuse changes to the attributes of every loaded module named ``prefix`` or ``prefix.…``."""
    for name, module in _list(sys.modules.items()):
        if _type(module) is types.ModuleType and any(name == p or name.startswith(p + ".") for p in prefixes):
            module.__class__ = _SealedModule


if "ipykernel" in sys.modules:  # in a notebook's kernel, where answers run before tests (not in a test runner)
    seal()
