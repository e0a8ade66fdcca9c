"""The link between the grader and a student's kernel: plain data only, answers called from outside."""

import io
import struct
import time
import warnings

import numpy as np
import pytest
from jupyter_client.manager import start_new_kernel

from autograder import remote, wire


def roundtrip(value):
    arrays: list = []
    form = wire.encode(value, arrays, lambda v: pytest.fail(f"not plain: {v!r}"))
    buffer = io.BytesIO()
    wire.write_frame(buffer, form, arrays)
    buffer.seek(0)
    message, received = wire.read_frame(buffer)
    return wire.decode(message, received, lambda form: pytest.fail(f"marker {form}"))


def test_plain_data_crosses_exactly():
    """Do arrays (dtype and shape), scalars, tuples, sets, dicts with any keys, NaN and big ints come back as sent?"""
    value = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), 3: (1, 2.5, None, True), "s": {1, 2},
             "nan": float("nan"), "big": 2**80, "scalar": np.float16(1.5), "empty": np.zeros((0, 4), bool),
             "nested": [[np.int8(-3)], "text"], "c": 1 + 2j, "dtype": np.dtype("float32"), "type": np.float16}
    back = roundtrip(value)
    assert back["a"].dtype == np.float32 and back["a"].shape == (2, 3) and np.array_equal(back["a"], value["a"])
    assert back[3] == (1, 2.5, None, True) and type(back[3]) is tuple
    assert back["s"] == {1, 2} and np.isnan(back["nan"]) and back["big"] == 2**80 and back["c"] == 1 + 2j
    assert type(back["scalar"]) is np.float16 and back["scalar"] == 1.5
    assert back["empty"].shape == (0, 4) and back["nested"] == [[-3], "text"]
    assert back["dtype"] == np.dtype("float32") and back["type"] is np.float16


def test_a_generator_crosses_by_its_state():
    """Does a NumPy Generator arrive with the same state, so that both ends draw the same numbers?"""
    rng = np.random.default_rng(7)
    rng.normal(size=3)
    copy = roundtrip(rng)
    assert np.array_equal(copy.normal(size=5), rng.normal(size=5))


def test_objects_without_a_plain_form_are_markers_never_pickles():
    """Is an object array, a function or a class instance handed to ``other`` rather than serialised?"""
    seen = []
    for value in (np.array([object()]), print, object(), [1, lambda: 0]):
        arrays: list = []
        wire.encode(value, arrays, lambda v: seen.append(type(v).__name__) or {"handle": 1})
    assert seen == ["ndarray", "builtin_function_or_method", "object", "function"]


def test_a_pickled_array_is_refused():
    """Is an .npy payload that needs unpickling (an object array) refused when read?"""
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    data = buffer.getvalue()
    frame = io.BytesIO(struct.pack("!II", 2, 1) + b"{}" + struct.pack("!Q", len(data)) + data)
    with pytest.raises(wire.WireError, match="malformed array"):
        wire.read_frame(frame)


def test_a_frame_larger_than_the_limits_is_refused():
    """Does a frame that claims 2**31 bytes of JSON fail at once instead of reading or allocating it?"""
    with pytest.raises(wire.WireError, match="too large"):
        wire.read_frame(io.BytesIO(struct.pack("!II", 2**31, 0)))


def test_in_place_changes_are_copied_into_the_original_objects():
    """Do update_in_place's copies keep the caller's arrays, lists and dicts the same objects?"""
    inner = np.zeros(3)
    target = {"w": inner, "l": [1.0, np.ones(2)], "gone": 1}
    assert wire.update_in_place(target, {"w": np.full(3, 2.0), "l": [5.0, np.zeros(2)], "new": 3})
    assert target["w"] is inner and np.array_equal(inner, [2.0, 2.0, 2.0])
    assert target["l"] == [5.0, target["l"][1]] and np.array_equal(target["l"][1], [0, 0])
    assert "gone" not in target and target["new"] == 3


STUDENT = '''
import numpy as np, warnings

def scale(x, factor=2.0):
    return x * factor

def scale_in_place(x, factor):
    x *= factor
    return None

def apply(function, x):
    return function(x) + 1

def complain(kind):
    if kind == "value":
        raise ValueError("negative input")
    class Custom(Exception):
        pass
    raise Custom("mine")

def warn():
    warnings.warn("overflow in exp", RuntimeWarning)
    return 1.0

def spin():
    while True:
        pass

class Value:
    def __init__(self, data):
        self.data = data
        self.grad = 0.0
    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data)
        out._prev = {self, other}
        return out
    __rmul__ = __mul__

shared = Value(3.0)

def same():
    return shared

answer_q1 = "b"

def draw_twice(draw):
    rng = np.random.default_rng(0)
    first = draw(rng)
    return first, rng.normal()

def tensors():
    import keras
    variable = keras.Variable(np.array([1.0, 2.0]))
    return keras.ops.convert_to_tensor(np.array([3.0, 4.0])), variable
'''


@pytest.fixture(scope="module")
def session():
    """A plain kernel that ran a student's notebook, and the grader's link to its agent."""
    manager, client = start_new_kernel(kernel_name="python3")
    reply = client.execute_interactive(STUDENT, timeout=30)
    assert reply["content"]["status"] == "ok"
    folder = __import__("tempfile").mkdtemp()
    link = remote.start_agent(lambda code: client.execute(code, silent=True, store_history=False), folder, 30,
                              interrupt=manager.interrupt_kernel)
    yield remote.Session(link)
    link.close()
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def test_plain_answers_arrive_by_value_and_functions_as_remotes(session):
    """Is a concept answer a plain str here, and an answer function a Remote that computes in the kernel?"""
    assert session.name("answer_q1") == "b"
    scale = session.name("scale")
    assert isinstance(scale, remote.Remote) and scale.__name__ == "scale"
    result = scale(np.arange(3.0), factor=3.0)
    assert type(result) is np.ndarray and np.array_equal(result, [0.0, 3.0, 6.0])
    with pytest.raises(NameError):
        session.name("not_defined")


def test_in_place_changes_come_back_into_the_tests_arrays(session):
    """Does an answer that scales its argument in place change the test's own array (and nothing else)?"""
    x = np.ones(3)
    untouched = np.ones(2)
    assert session.name("scale_in_place")(x, 4.0) is None
    assert np.array_equal(x, [4.0, 4.0, 4.0])
    session.name("scale")(untouched)
    assert np.array_equal(untouched, [1.0, 1.0])


def test_callables_are_called_back_here(session):
    """Does a function defined in the test run here when the answer calls it?"""
    calls = []

    def gradient(x):
        calls.append(x.copy())
        return 2 * x

    assert np.array_equal(session.name("apply")(gradient, np.array([1.0, 2.0])), [3.0, 5.0])
    assert len(calls) == 1 and np.array_equal(calls[0], [1.0, 2.0])


def test_a_callback_that_draws_from_the_answers_generator_advances_it(session):
    """When a test's function draws from a Generator the answer passed it, is the answer's Generator advanced too?"""
    first, second = session.name("draw_twice")(lambda rng: rng.normal())
    expected = np.random.default_rng(0).normal(size=2)
    assert (first, second) == (expected[0], expected[1])


def test_errors_and_warnings_of_answers_arrive_as_their_kind(session):
    """Is a ValueError a ValueError here, another exception an AnswerError, and a warning re-raised here?"""
    complain = session.name("complain")
    with pytest.raises(ValueError, match="negative input"):
        complain("value")
    with pytest.raises(remote.AnswerError, match="Custom: mine"):
        complain("other")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert session.name("warn")() == 1.0
    assert [w.category for w in caught] == [RuntimeWarning] and "overflow" in str(caught[0].message)


def test_objects_stay_in_the_kernel_behind_one_remote_each(session):
    """Do objects, their attributes, operators and sets work through Remotes, one Remote per object?"""
    Value = session.name("Value")
    a, b = Value(2.0), Value(5.0)
    product = a * b
    assert isinstance(product, remote.Remote) and product.data == 10.0
    assert (3 * a).data == 6.0
    assert product._prev == {a, b}
    product.grad = 1.5
    assert product.grad == 1.5
    assert session.name("same")() is session.name("same")()


def test_an_answer_that_runs_too_long_is_interrupted_and_the_link_survives(session):
    """Does an endless answer end in TimeoutError at the deadline, with the kernel still answering after?"""
    link = session.link
    link.deadline = time.monotonic() + 2
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="time limit"):
        session.name("spin")()
    assert time.monotonic() - started < 15
    link.deadline = float("inf")
    assert session.name("answer_q1") == "b"


def test_numbers_and_arrays_cannot_be_faked_by_objects_that_claim_equality(session):
    """Does an object whose == says True arrive as a Remote, which checks refuses as an answer?"""
    from course_helpers import checks

    value = session.name("same")()
    with pytest.raises(AssertionError, match="should be a NumPy array or a number"):
        checks.check_close(value, 3.0, "the answer")


def test_tensors_arrive_as_arrays_and_variables_stay_in_the_kernel(session):
    """Does a Keras tensor arrive as an array, and a Keras variable as a Remote whose values np.asarray reads?"""
    tensor, variable = session.name("tensors")()
    assert type(tensor) is np.ndarray and np.array_equal(tensor, [3.0, 4.0])
    assert isinstance(variable, remote.Remote) and np.array_equal(np.asarray(variable), [1.0, 2.0])
