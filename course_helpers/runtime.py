"""Run mode (quick on a CPU, full on a GPU), seeding and a short environment report."""

import os
import platform
import sys
from pathlib import Path

MODES = ("quick", "full")
MODE_VARIABLE = "COURSE_MODE"


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


def seed_everything(seed: int = 42) -> None:
    """Seed Python, NumPy and the Keras backend, so that a rerun gives the same numbers."""
    import keras

    keras.utils.set_random_seed(seed)


def report() -> None:
    """Print versions, the run mode and the devices the Keras backend sees."""
    import keras
    import numpy

    backend = keras.backend.backend()
    print(f"Python {platform.python_version()}, NumPy {numpy.__version__}, Keras {keras.__version__}"
          f" (backend: {backend})")
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
