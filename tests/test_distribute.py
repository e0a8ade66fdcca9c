"""Data parallelism in the capstone: notebook 08's `data_parallel` cell on one CPU split into two devices.

TensorFlow can present one CPU as two logical devices; MirroredStrategy then keeps a copy of the model on
each, gives each half of every batch and averages the gradients. The loss must match one device's with
the same global batch: the tolerance, 1e-4 relative, allows for float32 sums taken in a different order
(measured: about 1e-7). It runs in a subprocess because the split must happen before TensorFlow starts.
"""

import json
import os
import subprocess
import sys

import nbformat

from autograder import course

NOTEBOOK = course.SOLUTIONS / "08_capstone" / "08_capstone.ipynb"
RELATIVE_TOLERANCE = 1e-4

SCRIPT = r"""
import json, os, sys
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
import numpy as np

namespace = {"keras": keras, "BATCH_PER_DEVICE": 32}
exec(sys.stdin.read(), namespace)  # the notebook's data_parallel cell
devices = namespace["DEVICES"]
assert namespace["REPLICAS"] == 2 and namespace["GLOBAL_BATCH_SIZE"] == 64, devices

rng = np.random.default_rng(0)
x = rng.normal(size=(512, 20)).astype("float32")
y = (x[:, :3] @ np.array([1.0, -2.0, 0.5]) > 0).astype("int64") + (x[:, 3] > 1).astype("int64")


def train(scope):
    keras.utils.set_random_seed(0)
    with scope:
        model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(32, activation="relu"),
                                  keras.layers.Dense(3)])
        model.compile(optimizer=keras.optimizers.SGD(0.1),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
    model.set_weights(initial)
    history = model.fit(x, y, batch_size=namespace["GLOBAL_BATCH_SIZE"], epochs=4, shuffle=False, verbose=0)
    return replicas, history.history["loss"]


keras.utils.set_random_seed(0)
initial = keras.Sequential([keras.Input((20,)), keras.layers.Dense(32, activation="relu"),
                            keras.layers.Dense(3)]).get_weights()
single_replicas, single = train(namespace["data_parallel"](devices[:1]))
mirrored_replicas, mirrored = train(namespace["data_parallel"](devices))
print(json.dumps({"devices": devices, "single": single, "mirrored": mirrored,
                  "replicas": [single_replicas, mirrored_replicas]}))
"""


def notebook_cell(grade_id: str) -> str:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return next(c.source for c in nb.cells if c.get("id") == grade_id)


def test_two_logical_devices_train_like_one():
    """Does the capstone's data_parallel block train on two logical CPUs with the loss of one device?"""
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "-1"}
    env.pop("PYTEST_CURRENT_TEST", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT], input=notebook_cell("data_parallel"), env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(result["devices"]) == 2 and all("CPU" in d for d in result["devices"]), result["devices"]
    assert result["replicas"] == [1, 2], "the model was not built under a two-replica MirroredStrategy"
    single, mirrored = result["single"], result["mirrored"]
    assert single[-1] < 0.8 * single[0], f"training did not lower the loss: {single}"
    for epoch, (one, two) in enumerate(zip(single, mirrored)):
        assert abs(one - two) <= RELATIVE_TOLERANCE * abs(one), (
            f"epoch {epoch}: loss {two} on two devices vs {one} on one (relative tolerance {RELATIVE_TOLERANCE})")
