"""Answers that could tamper with the tests are refused; ordinary answers are not."""

import pytest

from autograder import guard, samples


@pytest.mark.parametrize("source, reason", [
    ("np.allclose = lambda *a, **k: True", "assigns to np.allclose"),
    ("import numpy.testing as npt\nnpt.assert_allclose = print", "assigns to npt.assert_allclose"),
    ("checks.check_close = lambda *a, **k: None", "assigns to checks.check_close"),
    ("del np.array_equal", "deletes np.array_equal"),
    ("setattr(np, 'allclose', lambda *a: True)", "calls setattr()"),
    ("get_ipython().showtraceback = lambda *a, **k: None", "calls get_ipython()"),
    ("import builtins\nbuiltins.abs = lambda x: 0", "imports builtins"),
    ("import sys\nsys.modules['numpy'].allclose = 1", "uses sys.modules"),
    ("f = lambda: 0\nf.__code__ = (lambda: 1).__code__", "uses .__code__"),
    ("exec('np.allclose = 1')", "calls exec()"),
    ("__builtins__.len = None", "uses __builtins__"),
    ("from IPython import get_ipython", "imports IPython"),
    ("m = np\nm.allclose = lambda *a, **k: True", "assigns to m.allclose"),
    ("t = np.testing\nu = t\nu.assert_allclose = print", "assigns to u.assert_allclose"),
    ("[np][0].allclose = print", "assigns to [np][0].allclose"),
    ("f = setattr\nf(np, 'allclose', print)", "calls setattr()"),
])
def test_tampering_answers_are_refused(source, reason):
    """Is each way of changing the test machinery found, with a reason that names it?"""
    assert any(reason in problem for problem in guard.problems(source)), guard.problems(source)


@pytest.mark.parametrize("source", [
    "def f(x):\n    return np.maximum(x, 0)",
    "class Value:\n    def __init__(self, data):\n        self.data = data\n        self.grad = 0.0\n"
    "    def __add__(self, other):\n        out = Value(self.data + other.data)\n        out._backward = None\n"
    "        return out",
    "import numpy as np\nw = np.zeros(3)\nw[0] += 1",
    "model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\nmodel.trainable = True",
    "def broken(:\n    pass",
])
def test_ordinary_answers_pass(source):
    """Are ordinary answers (NumPy, a class with attributes, Keras models, even syntax errors) let through?"""
    assert guard.problems(source) == []


def test_every_reference_answer_passes_the_guard():
    """Does no reference answer of any notebook trip the guard?"""
    for sample in samples.all_samples():
        if sample.student == "reference":
            for grade_id, source in samples.reference_answers(sample.assignment).items():
                assert guard.problems(source) == [], (sample.assignment, grade_id)
