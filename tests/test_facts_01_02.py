"""Numbers quoted in notebooks 01 and 02 that a run produces: is each one still what the text says?

Each test recomputes one quoted number (Keras 3.15.1, TensorFlow backend, CPU) and compares it with the
value the notebook states, to the digits it states.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="numbers measured on TensorFlow")


def normal_mean(f):
    """E[f(Z)] for Z ~ N(0, 1), by a Riemann sum on [-12, 12]."""
    z = np.linspace(-12.0, 12.0, 480_001)
    return float(np.sum(f(z) * np.exp(-z**2 / 2)) * (z[1] - z[0]) / np.sqrt(2 * np.pi))


def test_02_means_of_activations_on_normal_inputs():
    """Are the means E[φ(Z)] in 02's comparison table 0.399, 0.395, 0.161, 0.282 and 0.207?"""
    from math import erf

    erf_vec = np.vectorize(erf)
    assert round(normal_mean(lambda z: np.maximum(z, 0)), 3) == 0.399
    assert round(normal_mean(lambda z: np.where(z > 0, z, 0.01 * z)), 3) == 0.395
    assert round(normal_mean(lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0)))), 3) == 0.161
    z = np.linspace(-12.0, 12.0, 480_001)
    gelu = 0.5 * z * (1 + erf_vec(z / np.sqrt(2)))
    assert round(float(np.sum(gelu * np.exp(-z**2 / 2)) * (z[1] - z[0]) / np.sqrt(2 * np.pi)), 3) == 0.282
    assert round(normal_mean(lambda z: z / (1 + np.exp(-z))), 3) == 0.207


def test_02_gelu_approximation_gap():
    """Is the largest gap between exact and tanh-approximate GELU about 4.7e-4, near x = ±2.7?"""
    x = np.linspace(-10, 10, 200_001)
    exact = keras.ops.convert_to_numpy(keras.activations.gelu(x, approximate=False))
    approximate = keras.ops.convert_to_numpy(keras.activations.gelu(x, approximate=True))
    gap = np.abs(exact - approximate)
    assert round(float(gap.max()), 5) == 0.00047
    assert round(abs(float(x[np.argmax(gap)])), 1) == 2.7


def xor_outputs(num_hidden, seed, num_epochs):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
    y = np.array([0, 1, 1, 0], dtype="float32")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(num_hidden, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="binary_crossentropy")
    model.fit(np.tile(X, (64, 1)), np.tile(y, 64), epochs=num_epochs, batch_size=4, verbose=0)
    return keras.ops.convert_to_numpy(model(X)).ravel()


def test_01_xor_2_2_1_seeds_in_quick_mode():
    """Does the 2-2-1 network end at 0.005, 0.579, 0.995, 0.580 from seed 0 (5 epochs) and solve only seed 2 of 0-2?"""
    np.testing.assert_allclose(xor_outputs(2, 0, 5), [0.005, 0.579, 0.995, 0.580], atol=6e-4)
    solved = [np.array_equal(xor_outputs(2, seed, 5) > 0.5, [False, True, True, False]) for seed in (1, 2)]
    assert solved == [False, True]


def test_01_xor_2_2_1_seed_0_after_40_epochs():
    """Is 2-2-1 from seed 0 still stuck after 40 epochs, at 0.001, 0.579, 0.999, 0.579?"""
    np.testing.assert_allclose(xor_outputs(2, 0, 40), [0.001, 0.579, 0.999, 0.579], atol=6e-4)


def test_01_xor_alternative_answer_learns_from_seed_0():
    """Does the 2-4-1 network of the alternative-correct sample learn XOR from seed 0 in 5 epochs?"""
    assert np.array_equal(xor_outputs(4, 0, 5) > 0.5, [False, True, True, False])
