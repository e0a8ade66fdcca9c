"""The grader's end of the link to a student's kernel: answers called from outside, as plain data.

``start_agent`` sends the agent (kernel_agent.py, after wire.py) to a kernel whose notebook has run,
and returns a ``Link`` to it over a Unix socket. Through the link, the names of the student's
answers become ``Remote`` objects: calling one sends its plain arguments into the kernel and brings
its plain result back (wire.py); an object that has no plain form stays in the kernel, and what the
grader gets is a ``Remote`` for it, whose attributes, methods, items and operators are forwarded in
turn. Callables passed as arguments are called back here. Arguments that the answer changed in place
are changed here too, and its warnings are raised here, so that tests read as if the answer ran in
their own process. Nothing from the kernel is executed or unpickled here.
"""

import builtins
import os
import socket
import time
import uuid
import warnings
from pathlib import Path

import numpy as np

from autograder import kernel_agent, wire

AGENT_SOURCE = Path(wire.__file__).read_text() + "\n" + Path(kernel_agent.__file__).read_text()
AGENT_START = """\
__grader_agent = {{"__name__": "__grader_agent__"}}
exec(compile({source!r}, "<grader agent>", "exec"), __grader_agent)
__grader_agent["serve"]({path!r}, globals())
"""
INTERRUPT_GRACE_SECONDS = 10


class AnswerError(Exception):
    """An answer raised an exception that is not one of Python's built-in ones; the message names it."""


class KernelLost(RuntimeError):
    """The kernel died, hung or closed the link: nothing more can be asked of it."""


class SocketStream:
    """A socket read with a deadline; a read that times out can be resumed where it stopped."""

    def __init__(self, connection: socket.socket):
        self.connection = connection
        self.pending = bytearray()
        self.deadline = float("inf")

    def _timeout(self) -> float | None:
        if self.deadline == float("inf"):
            return None
        return max(0.001, self.deadline - time.monotonic())

    def read(self, count: int) -> bytes:
        while len(self.pending) < count:
            self.connection.settimeout(self._timeout())
            chunk = self.connection.recv(max(count - len(self.pending), 1 << 16))
            if not chunk:
                raise EOFError("the kernel closed the connection")
            self.pending += chunk
        data = bytes(self.pending[:count])
        del self.pending[:count]
        return data

    def write(self, data: bytes) -> None:
        self.connection.settimeout(self._timeout())
        self.connection.sendall(data)

    def flush(self) -> None:
        pass


class Link:
    """Requests to one kernel's agent. ``deadline`` (time.monotonic) bounds the answers' time; past it
    the kernel is interrupted once (``interrupt``), and a kernel that still does not answer is lost."""

    def __init__(self, connection: socket.socket, interrupt=None):
        self.connection = connection
        self.stream = SocketStream(connection)
        self.interrupt = interrupt
        self.callbacks: list = []
        self.proxies: dict[int, Remote] = {}
        self.lost: str | None = None

    @property
    def deadline(self) -> float:
        return self.stream.deadline

    @deadline.setter
    def deadline(self, value: float) -> None:
        self.stream.deadline = value

    # --- plain data, references and callbacks -------------------------------------------------------
    def other(self, value):
        if isinstance(value, Remote):
            if value._link not in (None, self):
                raise KernelLost("this object was made by the student's kernel before it restarted")
            return value._target
        if callable(value):
            self.callbacks.append(value)
            return {"callback": len(self.callbacks) - 1}
        raise TypeError(f"a {type(value).__name__} cannot be sent to the student's answer: tests send plain data,"
                        " objects the answer returned, and functions")

    def marker(self, form: dict):
        if "handle" not in form:
            raise wire.WireError(f"unexpected form {sorted(form)} from the kernel")
        handle = int(form["handle"])
        proxy = self.proxies.get(handle)
        if proxy is None:
            proxy = Remote(self, {"ref": handle}, str(form.get("type", "object"))[:200])
            self.proxies[handle] = proxy
        return proxy

    def encode(self, value, arrays: list):
        return wire.encode(value, arrays, self.other)

    def decode(self, form, arrays: list):
        return wire.decode(form, arrays, self.marker)

    # --- requests --------------------------------------------------------------------------------
    def request(self, message: dict, arrays=()) -> tuple[dict, list]:
        """Send a request; serve the callbacks it causes; return the reply (raise its error)."""
        if self.lost:
            raise KernelLost(self.lost)
        try:
            wire.write_frame(self.stream, message, list(arrays))
            while True:
                reply, reply_arrays = self._receive()
                if "op" not in reply:
                    break
                self._serve_callback(reply, reply_arrays)
        except (EOFError, OSError, wire.WireError) as error:
            self.lost = f"the kernel stopped answering ({error})"
            raise KernelLost(self.lost) from None
        if "error" in reply:
            raise_error(reply["error"])
        return reply, reply_arrays

    def _receive(self):
        interrupted = False
        while True:
            try:
                return wire.read_frame(self.stream)
            except TimeoutError:
                if interrupted or self.interrupt is None:
                    raise EOFError("no answer within the time limit, even after an interrupt") from None
                interrupted = True
                self.interrupt()
                self.deadline = time.monotonic() + INTERRUPT_GRACE_SECONDS

    def _serve_callback(self, message: dict, arrays: list) -> None:
        """Call a test's function for the answer; send the result and the arguments it changed in place."""
        if message.get("op") != "callback":
            raise wire.WireError(f"unexpected request {message.get('op')!r} from the kernel")
        try:
            function = self.callbacks[int(message["callback"])]
            args = self.decode(message["args"], arrays)
            kwargs = self.decode(message["kwargs"], arrays)
            before = wire.snapshots(args, kwargs, self.other)
            result = function(*args, **kwargs)
            out: list = []
            reply = {"reply": self.encode(result, out),
                     "changed": [[key, self.encode(value, out)]
                                 for key, value in wire.changed_arguments(args, kwargs, before, self.other)]}
        except KernelLost:
            raise
        except Exception as error:  # noqa: BLE001 — reported to the answer that called back
            wire.write_frame(self.stream, {"error": {"type": type(error).__name__, "message": str(error)}}, [])
            return
        wire.write_frame(self.stream, reply, out)

    def ask(self, op: str, **fields):
        arrays: list = []
        message = {"op": op, **{key: self.encode(value, arrays) for key, value in fields.items()}}
        reply, reply_arrays = self.request(message, arrays)
        return self.decode(reply.get("reply"), reply_arrays)

    def ask_about(self, target: dict, op: str, **fields):
        arrays: list = []
        message = {"op": op, "target": target, **{key: self.encode(value, arrays) for key, value in fields.items()}}
        reply, reply_arrays = self.request(message, arrays)
        return self.decode(reply.get("reply"), reply_arrays)

    def global_value(self, name: str):
        """The value of ``name`` in the kernel's namespace: plain data, or a Remote; NameError if unbound."""
        reply, arrays = self.request({"op": "global", "name": name})
        return self.decode(reply.get("reply"), arrays)

    def call(self, target: dict, args: tuple, kwargs: dict, numpy_only: bool = False):
        arrays: list = []
        message = {"op": "call", "target": target, "args": self.encode(list(args), arrays),
                   "kwargs": self.encode(dict(kwargs), arrays), "numpy_only": numpy_only,
                   "errstate": np.geterr()}
        reply, reply_arrays = self.request(message, arrays)
        result = self.decode(reply.get("reply"), reply_arrays)
        wire.copy_back(args, kwargs, [(key, self.decode(form, reply_arrays)) for key, form in reply.get("changed", [])])
        for category, text in reply.get("warnings", [])[:20]:
            kind = getattr(builtins, str(category), None)
            warnings.warn(str(text), kind if isinstance(kind, type) and issubclass(kind, Warning) else UserWarning,
                          stacklevel=3)
        return result

    def seed(self, seed: int) -> None:
        self.ask("seed", seed=int(seed))

    def close(self) -> None:
        if not self.lost:
            try:
                self.deadline = time.monotonic() + 5
                wire.write_frame(self.stream, {"op": "close"}, [])
            except OSError:
                pass
        self.lost = self.lost or "closed"
        self.connection.close()


def raise_error(form: dict):
    """Raise the error an answer raised: the same built-in exception, or AnswerError naming its type."""
    name, message = str(form.get("type", "Exception")), str(form.get("message", ""))
    kind = getattr(builtins, name, None) if form.get("builtin") else None
    if isinstance(kind, type) and issubclass(kind, Exception):
        try:
            error = kind(message)
        except TypeError:
            error = None
        if error is not None:
            raise error
    raise AnswerError(f"{name}: {message}" if message else name)


class Remote:
    """An object in the student's kernel: a function or class an answer defined, or an object an answer
    returned. Calls, attributes, items, len(), iteration and operators are forwarded to the kernel.
    Equality and hashing are by identity: one object in the kernel is one Remote here."""

    __slots__ = ("_link", "_target", "_type", "_session")

    def __init__(self, link, target: dict, type_name: str, session=None):
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_session", session)

    def _current(self) -> Link:
        """The link to use: the one this object came from, or for a name, the kernel's current link."""
        return self._session.link if self._session is not None else self._link

    def __repr__(self):
        return f"<{self._type} in the student's kernel>"

    __str__ = __repr__

    def __format__(self, spec):
        return format(repr(self), spec)

    def __getattr__(self, name):
        if name == "__name__" and "global" in self._target:  # an answer named in the notebook, for messages
            return self._target["global"]
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._current().ask_about(self._target, "getattr", name=name)

    def __setattr__(self, name, value):
        self._current().ask_about(self._target, "setattr", name=name, value=value)

    def __call__(self, *args, **kwargs):
        return self._current().call(self._target, args, kwargs)

    def _call_numpy_only(self, *args, **kwargs):
        return self._current().call(self._target, args, kwargs, numpy_only=True)

    def __getitem__(self, key):
        return self._current().ask_about(self._target, "getitem", key=key)

    def __setitem__(self, key, value):
        self._current().ask_about(self._target, "setitem", key=key, value=value)

    def __len__(self):
        return self._current().ask_about(self._target, "len")

    def __iter__(self):
        return iter(self._current().ask_about(self._target, "iter"))

    def __contains__(self, item):
        return self._current().ask_about(self._target, "contains", item=item)

    def __array__(self, dtype=None, copy=None):
        """The object's values as an array, computed in the kernel (a Keras variable, a tensor-like object)."""
        values = self._current().ask_about(self._target, "array")
        return values if dtype is None else values.astype(dtype)

    def __bool__(self):
        return self._current().ask_about(self._target, "unary", name="bool")


def _binary(name):
    def forward(self, other):
        return self._current().ask("binary", name=name, left=self, right=other)

    def reflected(self, other):
        return self._current().ask("binary", name=name, left=other, right=self)
    return forward, reflected


def _unary(name):
    def forward(self):
        return self._current().ask_about(self._target, "unary", name=name)
    return forward


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "lshift", "rshift"):
    _forward, _reflected = _binary(_name)
    setattr(Remote, f"__{_name}__", _forward)
    setattr(Remote, f"__r{_name}__", _reflected)
for _name, _operator in (("and", "and_"), ("or", "or_"), ("xor", "xor")):
    _forward, _reflected = _binary(_operator)
    setattr(Remote, f"__{_name}__", _forward)
    setattr(Remote, f"__r{_name}__", _reflected)
for _name in ("lt", "le", "gt", "ge"):
    setattr(Remote, f"__{_name}__", _binary(_name)[0])
for _name in ("neg", "pos", "abs", "invert", "float", "int", "index"):
    setattr(Remote, f"__{_name}__", _unary(_name))


class Session:
    """The current link to one student's kernel (replaced when the kernel is restarted), and the
    Remote of each name the answers bound there."""

    def __init__(self, link: Link):
        self.link = link

    def name(self, name: str):
        """The student's ``name``: plain data by value; a function, class or object as a Remote that
        looks the name up again on every use (so it survives a restart of the kernel)."""
        value = self.link.global_value(name)
        if isinstance(value, Remote):
            return Remote(None, {"global": name}, value._type, session=self)
        return value


def start_agent(execute, folder: Path, timeout: float, interrupt=None) -> Link:
    """Start the agent in the kernel (``execute(code)`` sends code to it without waiting) and return the
    link to it; KernelLost if it does not connect within ``timeout`` seconds."""
    path = Path(folder) / f"grader-{uuid.uuid4().hex[:12]}.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        os.chmod(path, 0o777)  # the sandboxed kernel runs as a user of its own
        server.listen(1)
        server.settimeout(timeout)
        execute(AGENT_START.format(source=AGENT_SOURCE, path=str(path)))
        try:
            connection, _ = server.accept()
        except TimeoutError:
            raise KernelLost("the kernel did not start the grader's agent in time") from None
    finally:
        server.close()
        path.unlink(missing_ok=True)
    return Link(connection, interrupt)
