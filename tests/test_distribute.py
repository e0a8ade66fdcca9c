"""Data parallelism in the capstone: notebook 08's own cells on one CPU split into two devices.

TensorFlow can present one CPU as two logical devices; MirroredStrategy then keeps a copy of the model on
each, gives each half of every batch and averages the gradients. Without batch normalization the loss must
match one device's with the same global batch: the tolerance, 1e-4 relative, allows for float32 sums taken
in a different order (measured: about 1e-7). With batch normalization, as the notebook says, each copy
normalizes with the statistics of its own half of the batch, so the loss differs from one device's
(measured: by up to 3e-3 relative in four epochs), unless the layer is built with synchronized=True. The
notebook's ablation (eight models built one after another, each under the strategy, with the notebook's
compile settings, the batch-normalized ones recalibrated) must run there too. It runs in a subprocess
because the split must happen before TensorFlow starts.
"""

import json
import os
import subprocess
import sys

import nbformat
import pytest

from autograder import course

NOTEBOOK = course.SOLUTIONS / "08_capstone" / "08_capstone.ipynb"
RELATIVE_TOLERANCE = 1e-4
# The cells the ablation needs, in the notebook's order (the first is the Setup cell).
CELLS_UP_TO_ABLATION = ["settings", "data_parallel", "cell-08", "preprocess", "build_model", "model_checks",
                        "recalibrate"]
ABLATION = "cell-28"

SCRIPT = r"""
import json, sys
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import matplotlib

matplotlib.use("Agg")
cells = json.loads(sys.stdin.read())
namespace = {}
for source in cells["before"]:
    exec(source, namespace)
keras, np = namespace["keras"], namespace["np"]
devices = namespace["DEVICES"]
rng = np.random.default_rng(0)
x = rng.normal(size=(512, 20)).astype("float32")
y = (x[:, :3] @ np.array([1.0, -2.0, 0.5]) > 0).astype("int64") + (x[:, 3] > 1).astype("int64")


def layers(batch_norm, synchronized=False):
    if not batch_norm:
        return [keras.Input((20,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(3)]
    return [keras.Input((20,)), keras.layers.Dense(32, use_bias=False),
            keras.layers.BatchNormalization(synchronized=synchronized), keras.layers.Activation("relu"),
            keras.layers.Dense(3)]


def train(scope, batch_norm=False, synchronized=False):
    keras.utils.set_random_seed(0)
    with scope:
        model = keras.Sequential(layers(batch_norm, synchronized))
        model.compile(optimizer=keras.optimizers.SGD(0.1),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      **namespace["COMPILE_SETTINGS"])
    model.set_weights(initial[batch_norm])
    history = model.fit(x, y, batch_size=64, epochs=4, shuffle=False, verbose=0)
    return model.distribute_strategy.num_replicas_in_sync, history.history["loss"]


keras.utils.set_random_seed(0)
initial = {flag: keras.Sequential(layers(flag)).get_weights() for flag in (False, True)}
single_replicas, single = train(namespace["data_parallel"](devices[:1]))
mirrored_replicas, mirrored = train(namespace["data_parallel"](devices))
batch_norm = {"single": train(namespace["data_parallel"](devices[:1]), batch_norm=True)[1],
              "mirrored": train(namespace["data_parallel"](devices), batch_norm=True)[1],
              "synchronized": train(namespace["data_parallel"](devices), batch_norm=True, synchronized=True)[1]}

preprocess = namespace["preprocess"]
namespace["x_train_ready"] = preprocess(namespace["x_train"])
namespace["x_valid_ready"] = preprocess(namespace["x_valid"])
exec(cells["ablation"], namespace)
print(json.dumps({"devices": devices, "global_batch": namespace["GLOBAL_BATCH_SIZE"],
                  "single": single, "mirrored": mirrored, "replicas": [single_replicas, mirrored_replicas],
                  "batch_norm": batch_norm,
                  "ablation": namespace["ablation"],
                  "ablation_replicas": namespace["candidate"].distribute_strategy.num_replicas_in_sync}))
"""


def cells_by_id() -> dict[str, str]:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return {cell.get("id"): cell.source for cell in nb.cells if cell.cell_type == "code"}


@pytest.fixture(scope="module")
def two_device_run():
    cells = cells_by_id()
    setup = next(iter(cells.values()))
    payload = {"before": [setup] + [cells[name] for name in CELLS_UP_TO_ABLATION], "ablation": cells[ABLATION]}
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "-1",
           "COURSE_MODE": "quick"}
    env.pop("PYTEST_CURRENT_TEST", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT], input=json.dumps(payload), env=env, cwd=course.REPO,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_logical_devices_train_like_one(two_device_run):
    """Does the capstone's data_parallel block train on two logical CPUs with the loss of one device?"""
    result = two_device_run
    assert len(result["devices"]) == 2 and all("CPU" in d for d in result["devices"]), result["devices"]
    assert result["global_batch"] == 2 * 64, "the global batch should be the per-device batch times 2 devices"
    assert result["replicas"] == [1, 2], "the model was not built under a two-replica MirroredStrategy"
    single, mirrored = result["single"], result["mirrored"]
    assert single[-1] < 0.8 * single[0], f"training did not lower the loss: {single}"
    for epoch, (one, two) in enumerate(zip(single, mirrored)):
        assert abs(one - two) <= RELATIVE_TOLERANCE * abs(one), (
            f"epoch {epoch}: loss {two} on two devices vs {one} on one (relative tolerance {RELATIVE_TOLERANCE})")


def test_batch_norm_sees_each_devices_half_unless_synchronized(two_device_run):
    """With batch normalization, does training on two devices differ from one device's, as the notebook says,
    and match it again with BatchNormalization(synchronized=True)?"""
    runs = two_device_run["batch_norm"]
    single, mirrored, synchronized = runs["single"], runs["mirrored"], runs["synchronized"]
    assert max(abs(one - two) / abs(one) for one, two in zip(single, mirrored)) > 10 * RELATIVE_TOLERANCE, (
        f"per-replica batch statistics should change the loss: {single} on one device, {mirrored} on two")
    for epoch, (one, two) in enumerate(zip(single, synchronized)):
        assert abs(one - two) <= RELATIVE_TOLERANCE * abs(one), (
            f"epoch {epoch}: loss {two} on two devices with synchronized=True vs {one} on one")


def test_ablation_runs_on_two_logical_devices(two_device_run):
    """Does the notebook's ablation (a model per configuration and seed) train under the two-device strategy?"""
    ablation = two_device_run["ablation"]
    assert two_device_run["ablation_replicas"] == 2, "the ablation's models were not built under the strategy"
    assert len(ablation) == 5 and all(len(scores) == 2 for scores in ablation.values()), ablation
    assert all(0.0 <= score <= 1.0 for scores in ablation.values() for score in scores), ablation
    # Ten classes: a model that learned nothing scores about 0.1; Adam learns in one short epoch.
    adam = ablation["+ Adam"]
    assert min(adam) > 0.4, f"Adam's validation accuracy on two devices is {adam}: it did not train"
