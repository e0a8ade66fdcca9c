# Tampering, class 1: module dictionaries written without setattr (sealing stops attribute assignment only).
import operator

import keras
import numpy
import numpy.testing

import __main__
from course_helpers import checks as graded_checks


def passes(*args, **kwargs):
    return True


def returns_nothing(*args, **kwargs):
    return None


def first_argument(value=None, *args, **kwargs):
    return value


def calls_it(function, *args, **kwargs):
    return function(*args, **kwargs)


namespace_of = operator.attrgetter("__dict__")
module_of = operator.attrgetter("__module__")
for name, value in list(namespace_of(graded_checks).items()):
    if callable(value) and not isinstance(value, type) and not name.startswith("_"):
        namespace_of(graded_checks)[name] = (calls_it if name == "numpy_only" else first_argument
                                             if name in ("plain", "letter", "number") else returns_nothing)
for module in (numpy, numpy.testing, keras.ops):
    for name in ("allclose", "array_equal", "isclose", "all", "any", "isfinite"):
        if name in namespace_of(module):
            namespace_of(module)[name] = passes
    for name in [n for n in namespace_of(module) if n.startswith("assert_")]:
        namespace_of(module)[name] = returns_nothing
for name, value in list(namespace_of(__main__).items()):
    if callable(value) and module_of(value) == "__main__" and not isinstance(value, type):
        namespace_of(__main__)[name] = returns_nothing
