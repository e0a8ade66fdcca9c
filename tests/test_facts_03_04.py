"""Numbers quoted in notebooks 03 and 04 that a run produces: is each one still what the text says?

Each test recomputes one quoted number (Keras 3.15.1, TensorFlow backend, CPU) and compares it with the
value the notebook states, to the digits it states.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras.src.initializers.random_initializers import compute_fans  # noqa: E402

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="numbers measured on TensorFlow")


def test_03_truncated_normal_draws_beyond_two_sigma():
    """Do about 3.4–3.5 % of GlorotNormal's draws lie beyond 2σ, with the cut at 2σ/0.8796 ≈ 2.27σ?"""
    weights = keras.ops.convert_to_numpy(keras.initializers.GlorotNormal(seed=1)((1000, 1000))).astype(float)
    sigma = np.sqrt(2 / 2000)
    assert abs(weights.std() / sigma - 1) < 2e-3
    assert round(float(np.mean(np.abs(weights) > 2 * sigma)), 3) == 0.034
    assert round(float(np.abs(weights).max() / sigma), 2) == 2.27
    from math import erf, sqrt
    phi = lambda x: 0.5 * (1 + erf(x / sqrt(2)))  # noqa: E731
    assert round((phi(2) - phi(2 * 0.87962566)) / (phi(2) - 0.5), 3) == 0.035


def test_03_reference_fans_match_keras():
    """Does the fan rule written out in 03's hidden tests agree with Keras's compute_fans?"""
    def reference(shape):
        if len(shape) == 1:
            return shape[0], shape[0]
        field = int(np.prod(shape[:-2]))
        return shape[-2] * field, shape[-1] * field

    for shape in [(7,), (784, 128), (5, 8, 4), (3, 3, 16, 32), (2, 3, 4, 5, 6)]:
        assert tuple(reference(shape)) == tuple(int(f) for f in compute_fans(shape)), shape


def test_03_exploding_and_saturating_numbers():
    """Are the per-layer stds and the tanh saturation quoted in 03's section 8 what NumPy computes (quick mode)?"""
    width, depth = 128, 20
    for scale, expected in [(0.5, (0.501, 0.00103, 9.87e-7)), (1.0, (1.0, 1.05, 1.04)), (2.0, (2.0, 1080.0, 1.09e6))]:
        rng = np.random.default_rng(0)
        h = rng.standard_normal((500, width))
        kernels = [scale * rng.normal(0.0, np.sqrt(1.0 / width), size=(width, width)) for _ in range(depth)]
        stds = []
        for kernel in kernels:
            h = h @ kernel
            stds.append(h.std())
        np.testing.assert_allclose(np.array(stds)[[0, 9, 19]], expected, rtol=5e-3)
    rng = np.random.default_rng(0)
    h = rng.standard_normal((500, width))
    limit = np.sqrt(6.0 / (2 * width))
    kernels = [10.0 * rng.uniform(-limit, limit, size=(width, width)) for _ in range(depth)]
    for kernel in kernels:
        h = np.tanh(h @ kernel)
    assert round(float(np.mean(np.abs(h) > 0.99)), 2) == 0.78


def test_04_penalty_ratio():
    """Is -ln 0.01 about 458 times -ln 0.99?"""
    assert round(np.log(0.01) / np.log(0.99)) == 458
    assert round(-np.log(0.01), 2) == 4.61 and round(-np.log(0.99), 5) == 0.01005


def test_04_keras_recovers_logits_from_a_sigmoid_layer():
    """With logit -100 and y = 1: loss 100 from the layer's output, 16.12 from the same probability as an array?"""
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.layers[0].set_weights([np.array([[-100.0]]), np.array([0.0])])
    x, y = np.array([[1.0]]), np.array([[1.0]])
    assert float(keras.ops.convert_to_numpy(keras.losses.binary_crossentropy(y, model(x)))[0]) == pytest.approx(100.0)
    probability = keras.ops.convert_to_numpy(model(x))
    assert float(keras.ops.convert_to_numpy(keras.losses.binary_crossentropy(y, probability))[0]) == pytest.approx(
        16.118, abs=1e-3)


def test_04_clipped_gradient_vanishes():
    """Does tf.GradientTape give 0 for the clipped BCE at z = -30 and -1 for the stable one?"""
    import tensorflow as tf

    z = tf.constant([[-30.0]], dtype="float64")
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(z)
        stable = tf.reduce_sum(keras.losses.binary_crossentropy(np.ones((1, 1)), z, from_logits=True))
        clipped = tf.reduce_sum(keras.losses.binary_crossentropy(np.ones((1, 1)), tf.identity(tf.sigmoid(z))))
    assert float(tape.gradient(clipped, z)[0, 0]) == 0.0
    assert float(tape.gradient(stable, z)[0, 0]) == pytest.approx(-1.0)


