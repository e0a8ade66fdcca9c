"""The grader's agent in a student's kernel: it runs the student's answers on the grader's inputs.

After the notebook's cells have run, the grader sends this module's source (after wire.py's, in one
namespace named ``__grader_agent__``) to the kernel and calls ``serve``. The agent connects to the
grader's socket and answers requests until told to stop: look up an answer's name, call it, read or
set an attribute of an object it returned, apply an operator. Arguments and results cross as plain
data (wire.py); every other object stays here and is named by a handle. A callable the grader sends
is called back over the same socket. In-place changes that an answer makes to its arguments, and the
warnings it raises, are sent back with the result.

Nothing here decides a grade: whatever this kernel answers is only the student's data, which the
grader compares with oracles of its own in a process where no student code runs.
"""

import builtins
import operator
import socket
import sys
import warnings

import numpy as np

if __name__ != "__grader_agent__":  # imported by the grader (tests); in a kernel, wire.py's source ran first
    from autograder.wire import changed_arguments, copy_back, decode, encode, read_frame, snapshots, write_frame

UNARY = {"neg": operator.neg, "pos": operator.pos, "abs": operator.abs, "invert": operator.invert,
         "float": float, "int": int, "index": operator.index, "bool": bool}
BINARY = {name: getattr(operator, name) for name in (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and_", "or_", "xor", "lshift", "rshift",
    "lt", "le", "gt", "ge")}
MAX_MESSAGE = 4000


def error_form(error: BaseException) -> dict:
    kind = type(error)
    if isinstance(error, KeyboardInterrupt):
        return {"type": "TimeoutError", "builtin": True, "message": "interrupted: it ran past the time limit"}
    return {"type": kind.__name__, "builtin": getattr(builtins, kind.__name__, None) is kind,
            "message": str(error)[:MAX_MESSAGE]}


class Agent:
    def __init__(self, stream, namespace: dict):
        self.stream = stream
        self.namespace = namespace
        self.objects: dict[int, object] = {}  # handle -> object; kept alive, so that ids stay unique
        self.handles: dict[int, int] = {}  # id(object) -> handle

    # --- plain data and handles -------------------------------------------------------------------
    def other(self, value) -> dict:
        handle = self.handles.get(id(value))
        if handle is None or self.objects.get(handle) is not value:
            handle = len(self.objects) + 1
            self.objects[handle] = value
            self.handles[id(value)] = handle
        kind = type(value)
        return {"handle": handle, "type": f"{kind.__module__}.{kind.__qualname__}"[:200], "callable": callable(value)}

    def marker(self, form: dict):
        if "ref" in form:
            return self.objects[form["ref"]]
        if "global" in form:
            try:
                return self.namespace[form["global"]]
            except KeyError:
                raise NameError(f"name {form['global']!r} is not defined") from None
        if "callback" in form:
            return self.callback(form["callback"])
        raise ValueError(f"unknown form {sorted(form)}")

    def encode(self, value, arrays):
        return encode(value, arrays, self.other)

    def decode(self, form, arrays):
        return decode(form, arrays, self.marker)

    def send(self, message: dict, arrays=()) -> None:
        write_frame(self.stream, message, list(arrays))

    def reply(self, value, extra=None) -> None:
        arrays = []
        try:
            message = {"reply": self.encode(value, arrays), **(extra or {})}
        except Exception as error:  # noqa: BLE001 — a result that cannot be sent is the answer's error
            message, arrays = {"error": error_form(error)}, []
        self.send(message, arrays)

    # --- calls back into the grader ----------------------------------------------------------------
    def callback(self, number: int):
        def call_grader(*args, **kwargs):
            arrays = []
            self.send({"op": "callback", "callback": number, "args": self.encode(list(args), arrays),
                       "kwargs": self.encode(kwargs, arrays)}, arrays)
            result, changed = self.wait()
            copy_back(args, kwargs, changed)
            return result
        return call_grader

    def wait(self):
        """Serve the grader's requests until the reply to ours arrives; return it and the arguments the
        grader's function changed in place, or raise its error."""
        while True:
            message, arrays = read_frame(self.stream)
            if "op" in message:
                if message["op"] == "close":
                    raise SystemExit("the grader closed the connection")
                self.handle(message, arrays)
                continue
            if "error" in message:
                raise RuntimeError(message["error"].get("message", "the grader's function failed"))
            changed = [(key, self.decode(form, arrays)) for key, form in message.get("changed", [])]
            return self.decode(message.get("reply"), arrays), changed

    # --- requests ----------------------------------------------------------------------------------
    def serve(self) -> None:
        while True:
            message, arrays = read_frame(self.stream)
            if message.get("op") == "close":
                return
            self.handle(message, arrays)

    def handle(self, message: dict, arrays: list) -> None:
        try:
            op = message["op"]
            if op == "call":
                self.call(message, arrays)
                return
            value = self.target(message, arrays) if "target" in message else None
            if op == "global":
                result = self.marker({"global": message["name"]})
            elif op == "getattr":
                result = getattr(value, message["name"])
            elif op == "setattr":
                result = setattr(value, message["name"], self.decode(message["value"], arrays))
            elif op == "getitem":
                result = value[self.decode(message["key"], arrays)]
            elif op == "setitem":
                value[self.decode(message["key"], arrays)] = self.decode(message["value"], arrays)
                result = None
            elif op == "len":
                result = len(value)
            elif op == "iter":
                result = list(value)
            elif op == "contains":
                result = self.decode(message["item"], arrays) in value
            elif op == "array":
                result = np.asarray(value)
                if result.dtype.kind not in "biufc":
                    raise TypeError(f"a {type(value).__name__} is not an array of numbers")
            elif op == "unary":
                result = UNARY[message["name"]](value)
            elif op == "binary":
                result = BINARY[message["name"]](self.decode(message["left"], arrays),
                                                 self.decode(message["right"], arrays))
            elif op == "seed":
                result = self.seed(int(message["seed"]))
            else:
                raise ValueError(f"unknown request {op!r}")
        except BaseException as error:  # noqa: BLE001 — the answer's error is the grader's data
            if isinstance(error, SystemExit) and str(error) == "the grader closed the connection":
                raise
            self.send({"error": error_form(error)})
            return
        self.reply(result)

    def target(self, message, arrays):
        return self.decode(message["target"], arrays)

    def call(self, message: dict, arrays: list) -> None:
        """Call an answer; send its result, the arguments it changed in place, and its warnings."""
        try:
            function = self.target(message, arrays)
            args = self.decode(message["args"], arrays)
            kwargs = self.decode(message["kwargs"], arrays)
            before = snapshots(args, kwargs, self.other)
            with warnings.catch_warnings(record=True) as caught, np.errstate(**message.get("errstate", {})):
                warnings.simplefilter("always")
                if message.get("numpy_only"):
                    from course_helpers import checks

                    result = checks.numpy_only(function, *args, **kwargs)
                else:
                    result = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001
            if isinstance(error, SystemExit) and str(error) == "the grader closed the connection":
                raise
            self.send({"error": error_form(error)})
            return
        changed = changed_arguments(args, kwargs, before, self.other)
        noted = [[w.category.__name__, str(w.message)[:MAX_MESSAGE]] for w in caught[:20]]
        arrays_out: list = []
        try:
            reply = {"reply": self.encode(result, arrays_out),
                     "changed": [[key, self.encode(value, arrays_out)] for key, value in changed],
                     "warnings": noted}
        except Exception as error:  # noqa: BLE001 — a result that cannot be sent is the answer's error
            self.send({"error": error_form(error)})
            return
        self.send(reply, arrays_out)

    def seed(self, seed: int) -> None:
        module = sys.modules.get("course_helpers.runtime")
        if module is not None:
            module.seed_everything(seed)
        else:
            import keras

            keras.utils.set_random_seed(seed)



def serve(path: str, namespace: dict) -> None:
    """Connect to the grader at ``path`` and answer its requests until it closes the connection."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    stream = connection.makefile("rwb")
    try:
        Agent(stream, namespace).serve()
    except (EOFError, SystemExit, OSError):
        pass
    finally:
        stream.close()
        connection.close()
