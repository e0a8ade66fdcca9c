"""benchmarks/gpu_training.py: its CPU run at tiny sizes (the GPU run is recorded in benchmarks/gpu_training.md)."""

import os
import re
import subprocess
import sys

from autograder import course


def test_benchmark_runs_tiny_on_a_cpu():
    """Does the script train both ways and print the examples/s ratio and both final accuracies?"""
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "-1"}
    env.pop("PYTEST_CURRENT_TEST", None)
    done = subprocess.run([sys.executable, str(course.REPO / "benchmarks" / "gpu_training.py"), "--tiny"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "GPU visible: False" in out and "768 training and 256 test images, 2 epochs" in out, out
    for name in ("Keras defaults", "course settings"):
        line = next(line for line in out.splitlines() if line.startswith(name))
        assert 0.0 <= float(re.search(r"test accuracy ([0-9.]+)", line).group(1)) <= 1.0, line
    summary = re.search(r"speed-up \(examples/s after epoch 1\): ([0-9.]+)x; over the whole fit: ([0-9.]+)x;"
                        r" test accuracy ([0-9.]+) \(defaults\) vs ([0-9.]+) \(course\)", out)
    assert summary, out
    assert float(summary.group(1)) > 0 and float(summary.group(3)) > 0.3 and float(summary.group(4)) > 0.3, out
