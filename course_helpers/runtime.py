"""Run mode (quick on a CPU, full on a GPU), seeding and a short environment report."""

import importlib.metadata
import importlib.util
import os
import platform
import re
import subprocess
import sys
import tomllib
from pathlib import Path

MODES = ("quick", "full")
MODE_VARIABLE = "COURSE_MODE"
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# Where a platform brings its own (Colab), these are used as they are from the pinned minor version up to the
# next major version; older or newer ones get a message that says what to install.
FRAMEWORKS = ("keras", "tensorflow")


def gpu_visible() -> bool:
    """True when an NVIDIA GPU is visible to this process, without importing a framework."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    gpus = Path("/proc/driver/nvidia/gpus")
    return gpus.is_dir() and any(gpus.iterdir())


def mode() -> str:
    """The run mode: ``$COURSE_MODE`` if set, else ``full`` when a GPU is visible, else ``quick``."""
    value = os.environ.get(MODE_VARIABLE, "").strip().lower()
    if not value:
        return "full" if gpu_visible() else "quick"
    if value not in MODES:
        raise ValueError(
            f"{MODE_VARIABLE}={value!r} is not a run mode; use one of {', '.join(MODES)} "
            f"(or leave it unset to choose by the hardware)."
        )
    return value


def pick(quick, full):
    """Return ``quick`` in quick mode and ``full`` in full mode: sizes change, code does not."""
    return quick if mode() == "quick" else full


# While a notebook is graded, the grader's own process replays its tests and adds here a function
# that seeds the student's kernel too (autograder/verdict.py).
seed_hooks: list = []


def seed_everything(seed: int = 42) -> None:
    """Seed Python, NumPy and the Keras backend, so that a rerun gives the same numbers."""
    import keras

    keras.utils.set_random_seed(seed)
    for hook in seed_hooks:
        hook(seed)


def pins(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """The course's pinned versions (pyproject.toml's `name==version` dependencies), by distribution name;
    empty where the course's pyproject.toml cannot be read (the grading sandbox hides it)."""
    if not pyproject.is_file():
        return {}
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return dict(re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", pin).groups() for pin in dependencies if "==" in pin)


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def version_problems(installed: dict[str, str] | None = None) -> list[str]:
    """A message for each framework whose installed version is outside the course's range."""
    pinned = pins()
    if installed is None:
        installed = {}
        for name in FRAMEWORKS:
            try:
                installed[name] = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                continue
    problems = []
    for name, version in installed.items():
        if name not in pinned:
            continue
        lowest = _release(pinned[name])[:2]
        if not lowest <= _release(version)[:2] < (lowest[0] + 1,):
            problems.append(
                f"{name} {version} is outside the range this course supports ({'.'.join(map(str, lowest))} up to "
                f"{lowest[0] + 1}, tested with {pinned[name]}): run `%pip install {name}=={pinned[name]}` "
                "and restart the kernel.")
    return problems


def require(module: str, distribution: str) -> None:
    """Install the course's pinned ``distribution`` when ``module`` is missing (a platform such as Colab
    without it); elsewhere do nothing."""
    if importlib.util.find_spec(module) is not None:
        return
    requirement = f"{distribution}=={pins()[distribution]}"
    print(f"Installing {requirement}, which this platform lacks")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=True)
    importlib.invalidate_caches()


def report() -> None:
    """Print versions, the run mode and the devices the Keras backend sees."""
    import keras
    import numpy

    backend = keras.backend.backend()
    print(f"Python {platform.python_version()}, NumPy {numpy.__version__}, Keras {keras.__version__}"
          f" (backend: {backend})")
    for problem in version_problems():
        print(f"Warning: {problem}")
    print(f"Run mode: {mode()}  (set {MODE_VARIABLE}=quick or full to choose)")
    print(f"Devices: {', '.join(_backend_devices(backend))}")
    sys.stdout.flush()


def _backend_devices(backend: str) -> list[str]:
    if backend == "tensorflow":
        import tensorflow as tf

        return [f"{d.device_type}:{d.name.rsplit(':', 1)[-1]}" for d in tf.config.list_logical_devices()]
    if backend == "jax":
        import jax

        return [str(d) for d in jax.devices()]
    if backend == "torch":
        import torch

        return ["cuda"] if torch.cuda.is_available() else ["cpu"]
    return ["unknown"]
