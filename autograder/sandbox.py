"""Run each student's kernel inside bubblewrap, with limits, so that student code cannot reach the course.

The kernel sees the file system read-only, with the repository (solutions, samples, the grading
code) and the grading folder hidden, except the Python environment, `course_helpers/`, `data/`
(without `data/grader/`, the grader's held-out labels) and one writable scratch folder: the
submission's autograded folder. It has no network, its own process and IPC namespaces and a private
/tmp. It runs as an unprivileged user of its own (one per worker) under limits on address space, CPU
time, processes and open files, and talks to nbgrader over IPC sockets in a per-submission runtime
folder under /tmp.
"""

import contextlib
import fcntl
import functools
import json
import multiprocessing.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder import course

KERNEL_NAME = "course-sandbox"
# Every running kernel gets a user id of its own, also across grading batches running at once on one
# machine, so that the process limit (which Linux counts per user id) is each kernel's own.
FIRST_UID, UIDS = 61000, 1000
UID_LOCKS = Path(tempfile.gettempdir()) / "course-sandbox-uids"
MATPLOTLIB_DIR = "/tmp/matplotlib"  # the kernel's MPLCONFIGDIR, in its private /tmp
FONT_LIST = "/tmp/.matplotlib-fonts"  # where the kernel sees this process's font list (read-only)
GRADER_DATA = course.REPO / "data" / "grader"


@dataclass(frozen=True)
class Limits:
    address_space_bytes: int = 4_000_000_000  # CPU TensorFlow imports and trains in 3 GB; a 4 GB hog fails
    cpu_seconds: int = 900
    processes: int = 512  # threads count too
    open_files: int = 1024


def unavailable_reason() -> str | None:
    """None when bubblewrap runs here; otherwise why not, in words for the instructor."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: `apt-get install bubblewrap`, or run `make sandbox`"
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
                            "--unshare-pid", "--die-with-parent", "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"bubblewrap cannot create a sandbox here: {probe.stderr.strip() or probe.returncode}"
    return None


def font_list() -> Path | None:
    """A folder holding Matplotlib's font list for this machine, built once per process (None if
    it cannot be built: then each kernel builds its own).

    A kernel's Matplotlib starts with an empty cache folder (in its private /tmp) and would scan
    the fonts of the system on its first import, a few tenths of a second in every kernel; each
    kernel copies this list instead. It is built outside the sandbox, with an empty home folder as inside."""
    folder = _built_font_list()
    return folder if folder is not None and folder.is_dir() else None


@functools.cache
def _built_font_list() -> Path | None:
    folder = Path(tempfile.mkdtemp(prefix="course-matplotlib-"))
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=0)
    built = subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], capture_output=True,
                           check=False, env={**os.environ, "MPLCONFIGDIR": str(folder), "HOME": str(folder)})
    folder.chmod(0o755)
    return folder if built.returncode == 0 and any(folder.glob("fontlist-*.json")) else None


def kernel_argv(scratch: Path, runtime: Path, hidden: list[Path], limits: Limits, uid: int,
                fonts: Path | None = None) -> list[str]:
    """The command that starts an IPython kernel in the sandbox ({connection_file} filled in by Jupyter).
    ``fonts``: a folder from ``font_list()``, copied into the kernel's Matplotlib cache."""
    prefix = Path(sys.prefix).resolve()
    exposed = [prefix, course.REPO / "course_helpers", course.REPO / "data"]
    argv = ["prlimit", f"--as={limits.address_space_bytes}", f"--cpu={limits.cpu_seconds}",
            f"--nproc={limits.processes}", f"--nofile={limits.open_files}", "--",
            "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--tmpfs", "/dev/shm", "--proc", "/proc",
            "--tmpfs", "/tmp"]
    if fonts is not None:
        argv += ["--ro-bind", str(fonts), FONT_LIST]
    for path in hidden:
        argv += ["--tmpfs", str(path)]
    for path in exposed:
        argv += ["--ro-bind", str(path), str(path)]
    argv += ["--tmpfs", str(GRADER_DATA)]  # the grader's held-out labels: never readable by an answer
    argv += ["--bind", str(runtime), str(runtime), "--bind", str(scratch), str(scratch), "--chdir", str(scratch),
             "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
             "--new-session", "--setenv", "HOME", "/tmp", "--setenv", "IPYTHONDIR", "/tmp/ipython",
             "--setenv", "MPLCONFIGDIR", MATPLOTLIB_DIR, "--setenv", "KERAS_HOME", "/tmp/keras"]
    # As root inside: open the scratch folder and a copy of the connection file to `uid`, then drop
    # to `uid` (an unprivileged user, so the process limit applies) and keep sh as the kernel's parent.
    # bwrap creates the folders leading to a bind inside a hidden path with mode 0700: open them for traversal.
    leading = sorted({str(parent) for path in (scratch, runtime) for parent in path.parents
                      if any(parent == h or h in parent.parents for h in hidden)})
    opened = " ".join(f'"{p}"' for p in leading)
    copy_fonts = (f'mkdir -m 0700 {MATPLOTLIB_DIR} && cp -r {FONT_LIST}/. {MATPLOTLIB_DIR}'
                  f' && chown -R {uid}:{uid} {MATPLOTLIB_DIR} && ') if fonts is not None else ""
    script = (f'chmod 1777 /tmp /dev/shm && chmod a+x {opened} 2>/dev/null; chmod 0777 "{scratch}"'
              f' && {copy_fonts}cp "$0" /tmp/kernel.json && chown {uid}:{uid} /tmp/kernel.json'
              f' && setpriv --reuid={uid} --regid={uid} --clear-groups --'
              f' "{sys.executable}" -m ipykernel_launcher -f /tmp/kernel.json; true')
    return [*argv, "--", "sh", "-c", script, "{connection_file}"]


def install_kernelspec(jupyter_path: Path, argv: list[str]) -> None:
    """Write the sandbox kernelspec where Jupyter finds it through JUPYTER_PATH=jupyter_path."""
    spec = jupyter_path / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": argv, "display_name": "Python 3 (course sandbox)", "language": "python",
        # A signal would reach bwrap, not the kernel: interrupt by message, which ipykernel handles.
        "interrupt_mode": "message", "metadata": {"debugger": False},
    }, indent=1))


@contextlib.contextmanager
def claimed_uid():
    """A user id that no other kernel on this machine holds while the block runs (a lock file per id,
    released by the system if the process dies)."""
    UID_LOCKS.mkdir(mode=0o755, exist_ok=True)
    for uid in range(FIRST_UID, FIRST_UID + UIDS):
        handle = os.open(UID_LOCKS / str(uid), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            continue
        try:
            yield uid
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            os.close(handle)
        return
    raise RuntimeError(f"all {UIDS} sandbox user ids are in use on this machine")


def prepare(job_dir: Path, scratch: Path, hidden: list[Path], uid: int,
            limits: Limits = Limits()) -> tuple[dict, dict, Path]:
    """Kernelspec and runtime folder for one submission whose kernel runs as ``uid``; returns
    (environment, nbgrader configuration, runtime folder to remove afterwards).

    The runtime folder holds the IPC sockets, whose paths must stay under about 100 characters,
    so it lives in a short temporary folder rather than under OUT."""
    runtime = Path(tempfile.mkdtemp(prefix="kernel-"))
    runtime.chmod(0o777)
    install_kernelspec(job_dir / "jupyter", kernel_argv(scratch, runtime, hidden, limits, uid, font_list()))
    env = {"JUPYTER_PATH": str(job_dir / "jupyter"), "JUPYTER_RUNTIME_DIR": str(runtime)}
    config = {"Execute.kernel_name": KERNEL_NAME, "KernelManager.transport": "ipc",
              "KernelManager.connection_file": str(runtime / "kernel.json")}
    return env, config, runtime
