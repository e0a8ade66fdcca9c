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


# ---------------------------------------------------------------- 01: the derivation exercises and concept checks


def test_01_q1_fourteen_of_sixteen_boolean_functions_are_linearly_separable():
    """Do exactly 14 of the 16 Boolean functions of two inputs have a separating line (all but XOR and XNOR)?"""
    from itertools import product

    from scipy.optimize import linprog

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    separable = []
    for labels in product([-1.0, 1.0], repeat=4):
        y = np.array(labels)
        # feasible w, b with y_i (w·x_i + b) >= 1 for all i?
        A = -y[:, None] * np.hstack([X, np.ones((4, 1))])
        result = linprog(np.zeros(3), A_ub=A, b_ub=-np.ones(4), bounds=[(None, None)] * 3)
        separable.append(result.status == 0)
    assert sum(separable) == 14
    not_separable = [labels for labels, ok in zip(product([0, 1], repeat=4), separable) if not ok]
    assert sorted(not_separable) == [(0, 1, 1, 0), (1, 0, 0, 1)]


def test_01_q2_square_activation_computes_a_polynomial_of_degree_two():
    """Is a 1-H-1 network with φ(h) = h² a polynomial of degree exactly 2 in x, also for large H?"""
    rng = np.random.default_rng(0)
    x = np.linspace(-2, 2, 41)
    for num_hidden in (1, 10, 200):
        w, b, v = rng.normal(size=(3, num_hidden))
        y = ((np.outer(x, w) + b) ** 2) @ v + 0.3
        residual_2 = np.abs(np.polyval(np.polyfit(x, y, 2), x) - y).max()
        residual_1 = np.abs(np.polyval(np.polyfit(x, y, 1), x) - y).max()
        assert residual_2 < 1e-8 * max(1.0, np.abs(y).max()) and residual_1 > 1e-3


def test_01_q3_thirteen_hidden_units_give_at_least_200_parameters():
    """Does a 12-H-3 network first reach 200 parameters at H = 13 (Keras's count_params: 195 at 12, 211 at 13)?"""
    counts = {}
    for num_hidden in (12, 13):
        model = keras.Sequential([keras.Input(shape=(12,)), keras.layers.Dense(num_hidden), keras.layers.Dense(3)])
        counts[num_hidden] = model.count_params()
    assert counts == {12: 195, 13: 211}


def test_01_mistake_bound_on_and_is_51_and_the_run_makes_18_mistakes():
    """Is Novikoff's bound for AND with w_sep = (1, 1), b_sep = -1.5 equal to 51, above the 18 mistakes that
    scikit-learn's Perceptron (the same rule) makes from zero in the order given?"""
    from sklearn.linear_model import Perceptron

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([-1, -1, -1, 1])
    X_ones = np.hstack([X, np.ones((4, 1))])
    v = np.array([1.0, 1.0, -1.5])
    bound = (np.linalg.norm(X_ones, axis=1).max() / (np.min(y * (X_ones @ v)) / np.linalg.norm(v))) ** 2
    assert round(bound, 9) == 51
    total, w, b, epochs = 0, np.zeros(2), 0.0, 0
    while True:
        epochs, mistakes = epochs + 1, 0
        for x_i, y_i in zip(X, y):
            if y_i * (x_i @ w + b) <= 0:
                w, b, mistakes = w + y_i * x_i, b + y_i, mistakes + 1
        total += mistakes
        if mistakes == 0:
            break
    assert (total, epochs) == (18, 9)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = Perceptron(eta0=1.0, shuffle=False, tol=None, max_iter=epochs, penalty=None).fit(X, y)
    np.testing.assert_allclose(oracle.coef_.ravel(), w)
    np.testing.assert_allclose(oracle.intercept_[0], b)


# ---------------------------------------------------------------- 02: the derivation exercises and concept checks


def tf_slope(function, x):
    import tensorflow as tf

    x = tf.constant(np.asarray(x, dtype=np.float64))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = function(x)
    return tape.gradient(y, x).numpy()


def test_02_visible_slopes_are_tensorflows():
    """Are the slopes that 02's visible tests expect (tanh', softplus', GELU') TensorFlow's gradients?"""
    np.testing.assert_allclose(tf_slope(keras.activations.tanh, [-2.0, 2.0]), [0.07065082485316443] * 2, rtol=1e-12)
    np.testing.assert_allclose(tf_slope(keras.activations.softplus, [0.0, -2.0, 2.0]),
                               [0.5, 0.11920292202211755, 0.8807970779778823], rtol=1e-12)
    np.testing.assert_allclose(tf_slope(lambda x: keras.activations.gelu(x, approximate=False), [0.0, -1.0, 1.0, 2.0]),
                               [0.5, -0.08331547058768629, 1.0833154705876864, 1.085231801078197], rtol=1e-7)


def test_02_visible_softmax_jacobian_is_tensorflows():
    """Is the Jacobian that 02's visible test expects for logits (1, 2, 3) TensorFlow's jacobian of softmax?"""
    import tensorflow as tf

    z = tf.constant([[1.0, 2.0, 3.0]], dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        p = keras.ops.softmax(z, axis=-1)
    expected = [[0.08192506906499324, -0.022033044520174298, -0.05989202454481893],
                [-0.022033044520174298, 0.1848364465099787, -0.1628034019898044],
                [-0.05989202454481893, -0.1628034019898044, 0.2226954265346234]]
    np.testing.assert_allclose(tape.batch_jacobian(p, z).numpy()[0], expected, rtol=1e-12, atol=1e-15)


def test_02_visible_zero_slope_probabilities_match_a_simulation():
    """Do the zero-slope probabilities of 02's visible test (0.3085, 0.4115, 1, 0.1336) match a simulation of
    a million inputs with TensorFlow's ReLU gradient (0 at 0)?"""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1_000_000, 1))
    for w in (2.0, -2.0):
        assert abs(np.mean(tf_slope(keras.activations.relu, x @ [[w]] + 1.0) == 0) - 0.3085375387259869) < 2e-3
    W = np.array([[1.0, 0.0, 3.0], [1.0, 0.0, -4.0]])
    x = np.array([1.0, -1.0]) + np.array([2.0, 1.0]) * rng.normal(size=(1_000_000, 2))
    share = np.mean(tf_slope(keras.activations.relu, x @ W + np.array([0.5, 0.0, 1.0])) == 0, axis=0)
    np.testing.assert_allclose(share, [0.41153163687906075, 1.0, 0.13362874657719392], atol=2e-3)


def test_02_concept_answers():
    """Are 02's concept answers what Keras computes: SiLU's minimum at -1.28, σ' < 0.001 from 6.91, the mean
    of LeakyReLU(0.1) on N(0, 1) 0.359, the slope 1.27e-13 of a chain of 20 sigmoids at 0 (TensorFlow's
    gradient), and the temperature 2.08 at which softmax((2, 1, 0) / T) has its largest probability 1/2?"""
    x = np.linspace(-3, 0, 300_001)
    silu = keras.ops.convert_to_numpy(keras.activations.silu(x))
    assert round(float(x[np.argmin(silu)]), 2) == -1.28
    x = np.linspace(0, 10, 1_000_001)
    slope = tf_slope(keras.activations.sigmoid, x)
    assert round(float(x[np.argmax(slope < 0.001)]), 2) == 6.91
    leaky = keras.activations.leaky_relu
    assert round(normal_mean(lambda z: keras.ops.convert_to_numpy(leaky(z, negative_slope=0.1))), 3) == 0.359

    def chain(x):
        for _ in range(20):
            x = keras.activations.sigmoid(x)
        return x

    slope = float(tf_slope(chain, [0.0])[0])
    assert abs(slope / 1.2717776672279062e-13 - 1) < 1e-9 and f"{slope:.2e}" == "1.27e-13"
    assert abs(slope / 0.25**20 - 1) > 0.5  # the bound (1/4)^20 is not the answer

    def largest_probability(temperature):
        return float(np.max(keras.ops.convert_to_numpy(keras.ops.softmax(np.array([2.0, 1.0, 0.0]) / temperature))))

    low, high = 1.0, 4.0  # the largest probability falls as T grows: bisection
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if largest_probability(middle) > 0.5 else (low, middle)
    assert abs(low - 2.0780869212350273) < 1e-6 and round(low, 2) == 2.08


def test_02_keras_leaky_relu_defaults():
    """Are Keras's leaky-ReLU slopes what 02's section 5 says: 0.3 for the layer `LeakyReLU()`, 0.2 for the
    functions `keras.activations.leaky_relu` and `keras.ops.leaky_relu`?"""
    x = np.array([-2.0], dtype="float32")
    assert keras.ops.convert_to_numpy(keras.layers.LeakyReLU()(x))[0] == np.float32(-0.6)
    assert keras.ops.convert_to_numpy(keras.activations.leaky_relu(x))[0] == np.float32(-0.4)
    assert keras.ops.convert_to_numpy(keras.ops.leaky_relu(x))[0] == np.float32(-0.4)


def test_02_zero_slope_share_at_the_start_of_the_dying_relu_experiment():
    """In 02's dying-ReLU experiment (quick mode), is the share of zero slopes at the start 0.652 on the moons,
    and 0.648 for normal inputs of the same means and standard deviations?"""
    from math import erfc, sqrt

    from sklearn.datasets import make_moons

    x_train, _ = make_moons(500, noise=0.2, random_state=0)
    x_train = ((x_train - x_train.mean(axis=0)) / x_train.std(axis=0)).astype("float32")
    keras.utils.set_random_seed(0)
    hidden = keras.layers.Dense(64, bias_initializer=keras.initializers.RandomUniform(-3.0, 1.0))
    keras.Sequential([keras.Input(shape=(2,)), hidden, keras.layers.ReLU(), keras.layers.Dense(2)])
    kernel, bias = keras.ops.convert_to_numpy(hidden.kernel), keras.ops.convert_to_numpy(hidden.bias)
    measured = np.mean(keras.ops.convert_to_numpy(hidden(x_train)) <= 0)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    h_mean, h_std = mean @ kernel + bias, np.sqrt(std**2 @ kernel**2)
    predicted = np.mean([0.5 * erfc(m / (s * sqrt(2))) for m, s in zip(h_mean, h_std)])
    assert (round(float(measured), 3), round(float(predicted), 3)) == (0.652, 0.648)
