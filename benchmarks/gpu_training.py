"""Train the capstone's MLP twice in one run: with Keras's defaults, then with the course's GPU settings.

    python benchmarks/gpu_training.py            # the whole Fashion-MNIST set, sizes for one GPU
    python benchmarks/gpu_training.py --tiny     # a few hundred images from the committed subset (CPU, tests)

Both runs train the same model (an MLP of the capstone's kind: 784-256-128-10, He initialization, ReLU,
dropout 0.2, logits, Adam 1e-3; notebook 08 now has students design their own) for the same number of epochs on
the same preprocessed arrays, and report examples per second (after the first epoch, which includes
compilation, and over the whole fit) and the final test accuracy.

- Keras defaults: `fit(batch_size=32)`, `steps_per_execution=1`, `jit_compile="auto"`, float32.
- Course settings (notebook 08's Setup): batch 256, `steps_per_execution=32`, and on a GPU `jit_compile=True`
  and the `mixed_bfloat16` policy (the last layer stays float32). On a CPU the course leaves XLA and mixed
  precision off (Keras's "auto" does the same for XLA on TensorFlow; whether they would pay on a CPU was not
  measured) and uses `steps_per_execution=8`.

The recorded output is in benchmarks/gpu_training.md.
"""

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from course_helpers import data, runtime  # noqa: E402


def build_model(compile_settings: dict) -> keras.Model:
    """Notebook 08's reference MLP, compiled with ``compile_settings`` (steps_per_execution, jit_compile)."""
    layers = [keras.Input((28, 28)), keras.layers.Flatten()]
    for units in (256, 128):
        layers += [keras.layers.Dense(units, activation="relu", kernel_initializer="he_normal"),
                   keras.layers.Dropout(0.2)]
    layers.append(keras.layers.Dense(10, dtype="float32"))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                  **compile_settings)
    return model


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.ends = [time.perf_counter()]

    def on_epoch_end(self, epoch, logs=None):
        self.ends.append(time.perf_counter())


def run(name, x_train, y_train, x_test, y_test, epochs, batch_size, compile_settings, policy, seed):
    keras.mixed_precision.set_global_policy(policy)
    try:
        keras.utils.set_random_seed(seed)
        model = build_model(compile_settings)
        timer = EpochTimer()
        start = time.perf_counter()
        model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[timer])
        total = time.perf_counter() - start
        logits = keras.ops.convert_to_numpy(model.predict(x_test, batch_size=1024, verbose=0))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    accuracy = float(np.mean(np.argmax(logits, axis=-1) == y_test))
    epoch_times = np.diff(timer.ends)
    steady = epoch_times[1:] if len(epoch_times) > 1 else epoch_times
    result = {"name": name, "batch_size": batch_size, "policy": policy, **compile_settings,
              "seconds": total, "first_epoch_s": float(epoch_times[0]),
              "examples_per_s": len(x_train) / float(np.median(steady)),
              "examples_per_s_overall": epochs * len(x_train) / total, "test_accuracy": accuracy}
    print(f"{name:15s} batch {batch_size:4d}, steps_per_execution {compile_settings.get('steps_per_execution', 1):2d},"
          f" jit_compile {str(compile_settings.get('jit_compile', 'auto')):5s}, {policy:14s}:"
          f" {result['examples_per_s']:10,.0f} examples/s after epoch 1 ({result['examples_per_s_overall']:9,.0f}"
          f" over the whole fit, first epoch {epoch_times[0]:.1f} s), {total:.1f} s,"
          f" test accuracy {accuracy:.4f}", flush=True)
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a few hundred images of the committed subset (CPU)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    on_gpu = runtime.gpu_visible()
    if keras.backend.backend() == "jax":
        import jax

        on_gpu = jax.default_backend() == "gpu"
    if args.tiny:
        (x_train, y_train), (x_test, y_test) = data.fashion_mnist(subset=True)
        x_train, y_train, x_test, y_test = x_train[:768], y_train[:768], x_test[:256], y_test[:256]
        epochs, batch_size = args.epochs or 2, 64
    else:
        (x_train, y_train), (x_test, y_test) = data.fashion_mnist(subset=False)
        epochs, batch_size = args.epochs or 10, 256
    x_train = x_train.astype(np.float32) / 255.0  # array input: preprocessed once, in memory
    x_test = x_test.astype(np.float32) / 255.0
    course_settings = {"steps_per_execution": 32 if on_gpu else 8, "jit_compile": on_gpu}
    course_policy = "mixed_bfloat16" if on_gpu else "float32"

    print(f"# {datetime.date.today()} {platform.node() or 'machine'}: Python {platform.python_version()},"
          f" Keras {keras.__version__}, backend {keras.backend.backend()}, GPU visible: {on_gpu}")
    runtime.report()
    print(f"# {len(x_train):,} training and {len(x_test):,} test images, {epochs} epochs each, seed {args.seed}")
    defaults = run("Keras defaults", x_train, y_train, x_test, y_test, epochs, 32, {}, "float32", args.seed)
    course = run("course settings", x_train, y_train, x_test, y_test, epochs, batch_size, course_settings,
                 course_policy, args.seed)
    ratio = course["examples_per_s"] / defaults["examples_per_s"]
    overall = course["examples_per_s_overall"] / defaults["examples_per_s_overall"]
    print(f"speed-up (examples/s after epoch 1): {ratio:.1f}x; over the whole fit: {overall:.1f}x;"
          f" test accuracy {defaults['test_accuracy']:.4f} (defaults) vs {course['test_accuracy']:.4f} (course)")
    return {"defaults": defaults, "course": course, "ratio": ratio, "ratio_overall": overall}


if __name__ == "__main__":
    main()
