"""Plain data between the grader and a student's kernel: how values are framed on a socket and encoded.

Both ends use this module: the grader's verdict process imports it, and its source is sent to the
student's kernel, where it runs with nothing but the standard library and NumPy. Only plain data
crosses: JSON, and NumPy arrays in the ``.npy`` format read with ``allow_pickle=False``. Nothing that
either side receives is ever executed or unpickled. What has no plain form is replaced by a marker
that each end turns into something of its own (``encode``'s ``other`` and ``decode``'s ``marker``):
the kernel sends a handle to an object that stays in the kernel, the grader a reference back to one.

A frame is: the JSON text's length and the number of arrays (``!II``), the JSON text, then each array
as its length (``!Q``) and its ``.npy`` bytes.
"""

import io
import json
import struct

import numpy as np

MAX_JSON_BYTES = 64 * 2**20
MAX_ARRAYS = 100_000
MAX_FRAME_BYTES = 2 * 2**30
MAX_DEPTH = 64
ARRAY_KINDS = "biufc"
# Tensors of these libraries cross as NumPy arrays.
TENSOR_MODULES = ("tensorflow", "keras", "jax", "jaxlib", "torch")


class WireError(RuntimeError):
    """A frame that is malformed, too large, or cut off."""


def _read_exactly(stream, count: int) -> bytes:
    data = stream.read(count)
    if data is None or len(data) != count:
        raise EOFError("the other end closed the connection")
    return data


def write_frame(stream, message, arrays) -> None:
    text = json.dumps(message).encode()
    parts = [struct.pack("!II", len(text), len(arrays)), text]
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        data = buffer.getvalue()
        parts += [struct.pack("!Q", len(data)), data]
    stream.write(b"".join(parts))
    stream.flush()


def read_frame(stream):
    """(message, arrays) from ``stream``; EOFError when it closed, WireError when the frame is bad."""
    text_length, count = struct.unpack("!II", _read_exactly(stream, 8))
    if text_length > MAX_JSON_BYTES or count > MAX_ARRAYS:
        raise WireError(f"frame too large ({text_length} bytes of JSON, {count} arrays)")
    try:
        message = json.loads(_read_exactly(stream, text_length))
    except (ValueError, RecursionError) as error:
        raise WireError(f"malformed message: {error}") from None
    arrays, total = [], 0
    for _ in range(count):
        (length,) = struct.unpack("!Q", _read_exactly(stream, 8))
        total += length
        if total > MAX_FRAME_BYTES:
            raise WireError("frame too large")
        try:
            arrays.append(np.load(io.BytesIO(_read_exactly(stream, length)), allow_pickle=False))
        except (ValueError, OSError) as error:
            raise WireError(f"malformed array: {error}") from None
    return message, arrays


def is_tensor(value) -> bool:
    """A tensor of a framework, which crosses as an array. Variables are not: they are state that an
    answer's objects use, so they stay in the kernel (np.asarray of their Remote gives their values)."""
    kind = type(value)
    return (kind.__module__.split(".")[0] in TENSOR_MODULES and hasattr(value, "__array__")
            and "Variable" not in kind.__name__)


def encode(value, arrays: list, other, depth: int = 0):
    """A JSON-able form of ``value``; arrays are appended to ``arrays`` and named by their index.
    ``other(value)`` gives the form of anything that is not plain data (or raises TypeError)."""
    if depth > MAX_DEPTH:
        raise TypeError("the value is nested too deeply to be sent")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int or kind is float:
        return value if kind is int or value == value and abs(value) != float("inf") else {"float": repr(value)}
    if kind is complex:
        return {"complex": [value.real, value.imag]}
    if kind is np.ndarray and value.dtype.kind in ARRAY_KINDS:
        arrays.append(value)
        return {"array": len(arrays) - 1}
    if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
        arrays.append(np.asarray(value))
        return {"scalar": len(arrays) - 1}
    if kind is list:
        return [encode(item, arrays, other, depth + 1) for item in value]
    if kind is tuple:
        return {"tuple": [encode(item, arrays, other, depth + 1) for item in value]}
    if kind in (set, frozenset):
        return {"set": [encode(item, arrays, other, depth + 1) for item in value]}
    if kind is dict:
        return {"dict": [[encode(k, arrays, other, depth + 1), encode(v, arrays, other, depth + 1)]
                         for k, v in value.items()]}
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)
                                       and value not in (np.generic, np.number, np.floating, np.integer)):
        return {"dtype": np.dtype(value).str, "scalar_type": isinstance(value, type)}
    if kind is np.random.Generator:
        return {"generator": encode(value.bit_generator.state, arrays, other, depth + 1)}
    if is_tensor(value):
        array = np.asarray(value)
        if array.dtype.kind in ARRAY_KINDS:
            return encode(array, arrays, other, depth)
    return other(value)


def decode(form, arrays: list, marker, depth: int = 0):
    """The value of a form made by ``encode``; ``marker(form)`` turns an ``other`` form into a value."""
    if depth > MAX_DEPTH:
        raise WireError("message nested too deeply")
    if form is None or type(form) in (bool, str, int, float):
        return form
    if type(form) is list:
        return [decode(item, arrays, marker, depth + 1) for item in form]
    if type(form) is not dict or len(form) == 0:
        raise WireError(f"unknown form {type(form).__name__}")
    try:
        if "array" in form:
            return arrays[form["array"]]
        if "scalar" in form:
            return arrays[form["scalar"]][()]
        if "float" in form:
            return float(form["float"])
        if "complex" in form:
            return complex(*form["complex"])
        if "tuple" in form:
            return tuple(decode(item, arrays, marker, depth + 1) for item in form["tuple"])
        if "set" in form:
            return {decode(item, arrays, marker, depth + 1) for item in form["set"]}
        if "dict" in form:
            return {decode(k, arrays, marker, depth + 1): decode(v, arrays, marker, depth + 1)
                    for k, v in form["dict"]}
        if "dtype" in form:
            dtype = np.dtype(str(form["dtype"]))
            return dtype.type if form.get("scalar_type") else dtype
        if "generator" in form:
            state = decode(form["generator"], arrays, marker, depth + 1)
            generator = np.random.Generator(getattr(np.random, state["bit_generator"])())
            generator.bit_generator.state = state
            return generator
    except (IndexError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise WireError(f"malformed value: {error}") from None
    return marker(form)


MUTABLE = (np.ndarray, list, dict, tuple, np.random.Generator)


def snapshot(value, other):
    """The plain form of an argument that can change in place, as bytes to compare (None for the others)."""
    if type(value) not in MUTABLE:
        return None
    arrays: list = []
    try:
        form = encode(value, arrays, other)
    except Exception:  # noqa: BLE001 — not plain: it cannot be copied back either
        return None
    return repr(form).encode() + b"".join(a.tobytes() + repr((a.dtype.str, a.shape)).encode() for a in arrays)


def changed_arguments(args, kwargs, before: dict, other) -> list:
    """(position or name, value) of each argument whose snapshot differs from ``before``'s."""
    found = []
    for key, value in [*enumerate(args), *kwargs.items()]:
        if before.get(key) is not None and snapshot(value, other) != before[key]:
            found.append((key, value))
    return found


def snapshots(args, kwargs, other) -> dict:
    return {key: snapshot(value, other) for key, value in [*enumerate(args), *kwargs.items()]}


def copy_back(args, kwargs, changed: list) -> None:
    """Apply (key, new value) pairs from ``changed_arguments`` of the other end to this end's arguments."""
    for key, value in changed:
        original = args[key] if isinstance(key, int) and 0 <= key < len(args) else kwargs.get(key)
        if original is not None:
            update_in_place(original, value)


def update_in_place(target, changed) -> bool:
    """Make ``target`` (an argument the kernel changed) equal ``changed`` without replacing it: arrays
    are copied into, lists and dicts updated item by item. False where that cannot be done in place."""
    if type(target) is np.ndarray and type(changed) is np.ndarray:
        if target.shape != changed.shape or not target.flags.writeable:
            return False
        np.copyto(target, changed, casting="unsafe")
        return True
    if type(target) is np.random.Generator and type(changed) is np.random.Generator:
        target.bit_generator.state = changed.bit_generator.state
        return True
    if type(target) is list and type(changed) is list:
        if len(target) == len(changed):
            for index, item in enumerate(changed):
                if not update_in_place(target[index], item):
                    target[index] = item
        else:
            target[:] = changed
        return True
    if type(target) is tuple and type(changed) is tuple and len(target) == len(changed):
        return all(update_in_place(a, b) or _same(a, b) for a, b in zip(target, changed))
    if type(target) is dict and type(changed) is dict:
        for key in [k for k in target if k not in changed]:
            del target[key]
        for key, item in changed.items():
            if key not in target or not update_in_place(target[key], item):
                target[key] = item
        return True
    return _same(target, changed)


def _same(a, b) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False
