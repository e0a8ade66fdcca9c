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




def test_03_zero_output_kernel_freezes_the_hidden_layer_for_one_step():
    """Q1 of 03: with a zero output kernel, does the hidden kernel stay put in step 1 and move from step 2 on?"""
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    y = (x[:, :1] * x[:, 1:] > 0).astype("float32")
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid", kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="binary_crossentropy")
    start = model.layers[0].get_weights()[0].copy()
    model.train_on_batch(x, y)
    after_one = model.layers[0].get_weights()[0].copy()
    output_kernel = model.layers[1].get_weights()[0].ravel()
    model.train_on_batch(x, y)
    after_two = model.layers[0].get_weights()[0]
    assert np.array_equal(after_one, start)
    assert np.all(output_kernel != 0) and len(set(output_kernel.tolist())) == 4
    assert np.abs(after_two - after_one).max() > 1e-4


def test_03_concept_numbers():
    """Q2-Q4 of 03: HeUniform's bound for a 3×3×32→64 kernel, 1.09**20, and the entropy of (½, ¼, ¼)."""
    weights = keras.ops.convert_to_numpy(keras.initializers.HeUniform(seed=0)((3, 3, 32, 64)))
    assert round(float(np.sqrt(6 / 288)), 3) == 0.144 and 0.143 < np.abs(weights).max() <= np.sqrt(6 / 288) + 1e-7
    assert round(1.09**20, 1) == 5.6
    assert round(float(-np.sum(np.array([0.5, 0.25, 0.25]) * np.log([0.5, 0.25, 0.25]))), 2) == 1.04


def test_03_leaky_relu_under_he_grows_the_mean_square():
    """Q3 of 03: does a LeakyReLU(0.3) layer under He's variance multiply E[h²] by 1.09 (so 1.09**20 ≈ 5.6)?"""
    width, ratios = 512, []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        h = rng.standard_normal((256, width))
        for _ in range(20):
            z = h @ rng.normal(0.0, np.sqrt(2 / width), size=(width, width))
            h_next = np.where(z > 0, z, 0.3 * z)
            ratios.append(np.mean(h_next**2) / np.mean(h**2))
            h = h_next
    # each ratio has expectation 1.09 given the layer below; 80 of them, standard error about 0.005
    assert abs(np.mean(ratios) - 1.09) < 0.02, np.mean(ratios)
    assert round(1.09**20, 1) == 5.6


def test_03_gains():
    """Section 8 of 03: the gain of tanh 1.5925374 (below PyTorch's 5/3), the sigmoid's above 1.8, SELU's 1."""
    from scipy import integrate

    def gain(f):
        density = lambda z: np.exp(-z * z / 2) / np.sqrt(2 * np.pi)  # noqa: E731
        second = sum(integrate.quad(lambda z: f(z) ** 2 * density(z), a, b, epsabs=1e-13, limit=400)[0]
                     for a, b in [(-np.inf, 0.0), (0.0, np.inf)])
        return 1 / np.sqrt(second)

    assert round(gain(np.tanh), 7) == 1.5925374 and gain(np.tanh) < 5 / 3
    assert gain(lambda z: 1 / (1 + np.exp(-z))) > 1.8
    selu = lambda z: float(keras.ops.convert_to_numpy(keras.activations.selu(np.array([z]))[0]))  # noqa: E731
    assert abs(gain(selu) - 1) < 1e-4
    assert abs(gain(lambda z: max(z, 0.0)) - np.sqrt(2)) < 1e-9


def test_03_jacobian_singular_values():
    """Section 6 of 03: mean singular values 0.46, 0.67, 0.80 (standard, Glorot, orthogonal; quick mode)."""
    width, depth = 64, 5

    def standard(shape, rng):
        return rng.uniform(-1 / np.sqrt(shape[0]), 1 / np.sqrt(shape[0]), size=shape)

    def glorot(shape, rng):
        limit = np.sqrt(6 / (shape[0] + shape[1]))
        return rng.uniform(-limit, limit, size=shape)

    def orthogonal(shape, rng):
        q, r = np.linalg.qr(rng.standard_normal(shape))
        return q * np.sign(np.diag(r))

    results = {}
    for name, initializer in [("standard", standard), ("glorot", glorot), ("orthogonal", orthogonal)]:
        rng = np.random.default_rng(0)
        h = rng.standard_normal((20, width))
        kernels = [initializer((width, width), rng) for _ in range(depth)]
        values = []
        for kernel in kernels:
            out = np.tanh(h @ kernel)
            values.append(np.linalg.svd((1 - out**2)[:, :, None] * kernel.T[None], compute_uv=False).mean())
            h = out
        results[name] = np.round(values, 2).tolist() + [round(float(np.mean(values)), 2)]
    assert results["standard"][0] == 0.39 and results["standard"][-2:] == [0.48, 0.46]
    assert results["glorot"][0] == 0.52 and results["glorot"][-2:] == [0.75, 0.67]
    assert results["orthogonal"][0] == 0.61 and results["orthogonal"][-2:] == [0.9, 0.8]


def test_04_focal_loss_numbers():
    """Exercise 7 of 04: the focal loss of logit 3 (1.0928332e-4 for y = 1, 2.7662804 for y = 0), 8.06 clipped."""
    def focal(y, z):
        return float(keras.ops.convert_to_numpy(keras.losses.binary_focal_crossentropy(
            np.array([[y]]), np.array([[z]]), gamma=2.0, from_logits=True))[0])

    assert abs(focal(1.0, 3.0) / 1.0928332e-4 - 1) < 1e-6 and abs(focal(0.0, 3.0) - 2.7662804) < 1e-6
    assert focal(1.0, -1000.0) == pytest.approx(1000.0) and focal(0.0, 0.0) == pytest.approx(0.25 * np.log(2))
    clipped = -np.log(1e-7) * (1 - 1e-7) ** 2
    assert round(2 * clipped / 4, 2) == 8.06
    assert round(float(np.log1p(np.exp(-2.0))), 9) == 0.126928011
    assert round(0.1**2, 12) == 0.01  # γ = 2: p_t = 0.9 counts 100 times less


def test_04_concept_numbers():
    """Q1-Q6 of 04: Huber's best constant 0.25, the margin -0.54 where the logistic loss in nats drops below 1,
    0.01/ln 2, the smoothed target's entropy, the base rate's, the Cauchy loss's largest slope 0.50."""
    from scipy.optimize import minimize_scalar

    targets = np.array([0.0, 0.0, 0.0, 0.0, 10.0])

    def mean_huber(c):
        error = np.abs(c - targets)
        return np.mean(np.where(error <= 1, 0.5 * error**2, error - 0.5))

    best = minimize_scalar(mean_huber, bounds=(-1, 11), method="bounded", options={"xatol": 1e-10}).x
    assert abs(best - 0.25) < 1e-6
    assert round(0.01 / np.log(2), 5) == 0.01443
    smoothed = np.array([0.91] + [0.01] * 9)
    assert round(float(-np.sum(smoothed * np.log(smoothed))), 2) == 0.50
    assert round(float(-0.1 * np.log(0.1) - 0.9 * np.log(0.9)), 3) == 0.325
    margins = np.linspace(-3.0, 0.0, 300_001)  # Q2: ln(1 + e^-m) < 1 from m = -ln(e - 1) on
    assert round(float(margins[np.argmax(np.log1p(np.exp(-margins)) < 1)]), 2) == -0.54
    assert np.all(np.log2(1 + np.exp(-margins)) >= 1)  # in bits it never drops below the 0-1 loss's 1 for m <= 0
    errors = np.linspace(-50.0, 50.0, 1_000_001)  # Q6: -ln p = ln(1 + e²/4) + const, its slope by differences
    slope = np.gradient(np.log1p(errors**2 / 4), errors)
    assert round(float(np.max(np.abs(slope))), 2) == 0.50 and abs(abs(errors[np.argmax(np.abs(slope))]) - 2) < 1e-3
