"""Facts that notebook 06 states about Keras's optimizers and schedules, checked against Keras itself."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


def run(optimizer, w0, gradients):
    variable = keras.Variable(np.array(w0, dtype="float64"), dtype="float64", name="w")
    for gradient in gradients:
        optimizer.apply([np.asarray(gradient, dtype="float64")], [variable])
    state = {v.name[2:]: keras.ops.convert_to_numpy(v) for v in optimizer.variables if v.name.startswith("w_")}
    return keras.ops.convert_to_numpy(variable), state


def test_sgd_momentum_velocity_is_the_step():
    """Does Keras store v = μv − ηg (pointing downhill) and add it to the weights?"""
    w, state = run(keras.optimizers.SGD(learning_rate=0.1, momentum=0.9), [1.0, 1.0], [[1.0, -2.0]] * 2)
    np.testing.assert_allclose(state["momentum"], [-0.19, 0.38], rtol=1e-7)
    np.testing.assert_allclose(w, [1 - 0.1 - 0.19, 1 + 0.2 + 0.38], rtol=1e-6)


def test_nesterov_adds_mu_v_minus_eta_g():
    """Does nesterov=True step by μ·v_new − η·g with the same velocity as plain momentum?"""
    w, state = run(keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True), [1.0], [[1.0]])
    np.testing.assert_allclose(state["momentum"], [-0.1], rtol=1e-7)
    np.testing.assert_allclose(w, [1 + 0.9 * -0.1 - 0.1], rtol=1e-6)


def test_adagrad_starts_at_0_1_and_puts_epsilon_inside_the_root():
    w, state = run(keras.optimizers.Adagrad(learning_rate=0.5, epsilon=0.3), [0.0], [[2.0]])
    np.testing.assert_allclose(state["accumulator"], [4.1], rtol=1e-7)
    np.testing.assert_allclose(w, [-0.5 * 2 / np.sqrt(4.1 + 0.3)], rtol=1e-6)


def test_rmsprop_puts_epsilon_inside_the_root_and_has_no_bias_correction():
    w, state = run(keras.optimizers.RMSprop(learning_rate=0.5, rho=0.9, epsilon=0.3), [0.0], [[2.0]])
    np.testing.assert_allclose(state["velocity"], [0.4], rtol=1e-7)
    np.testing.assert_allclose(w, [-0.5 * 2 / np.sqrt(0.4 + 0.3)], rtol=1e-6)
    w, _ = run(keras.optimizers.RMSprop(learning_rate=0.5, epsilon=1e-12), [0.0], [[2.0]])
    np.testing.assert_allclose(w, [-0.5 / np.sqrt(0.1)], rtol=1e-6)  # first step ≈ 3.16·η


def test_rmsprop_zero_gradient_is_finite():
    w, _ = run(keras.optimizers.RMSprop(learning_rate=0.5), [1.0], [[0.0]])
    np.testing.assert_array_equal(w, [1.0])


@pytest.mark.parametrize("epsilon", [1e-7, 0.3])
def test_adam_epsilon_on_uncorrected_v_with_t_from_1(epsilon):
    """Does Adam use α_t = η√(1−β2^t)/(1−β1^t), t = iterations + 1, and ε added to √v (uncorrected)?"""
    gradients = [[0.5, -2.0], [1.0, 0.1], [-0.3, 0.2]]
    w_keras, state = run(keras.optimizers.Adam(learning_rate=0.1, beta_1=0.8, beta_2=0.99, epsilon=epsilon),
                         [0.0, 0.0], gradients)
    w, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    for t, g in enumerate(np.array(gradients), start=1):
        m = 0.8 * m + 0.2 * g
        v = 0.99 * v + 0.01 * g ** 2
        w = w - 0.1 * np.sqrt(1 - 0.99 ** t) / (1 - 0.8 ** t) * m / (np.sqrt(v) + epsilon)
    np.testing.assert_allclose(w_keras, w, rtol=1e-6)
    np.testing.assert_allclose(state["momentum"], m, rtol=1e-7)
    np.testing.assert_allclose(state["velocity"], v, rtol=1e-7)


def test_adam_first_step_is_about_eta():
    w, _ = run(keras.optimizers.Adam(learning_rate=0.1), [0.0, 0.0], [[4.0, -0.01]])
    np.testing.assert_allclose(w, [-0.1, 0.1], atol=1e-4)


def test_polynomial_decay_counts_optimizer_steps():
    """Does the optimizer evaluate its schedule at `iterations` (0 at the first update), once per batch?"""
    schedule = keras.optimizers.schedules.PolynomialDecay(0.1, decay_steps=4, end_learning_rate=0.02, power=1.0)
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    variable = keras.Variable(np.zeros(1), dtype="float64", name="w")
    steps = []
    for _ in range(6):
        before = float(keras.ops.convert_to_numpy(variable)[0])
        optimizer.apply([np.ones(1)], [variable])
        steps.append(before - float(keras.ops.convert_to_numpy(variable)[0]))
    np.testing.assert_allclose(steps, [0.1, 0.08, 0.06, 0.04, 0.02, 0.02], rtol=1e-6)


def test_polynomial_decay_default_end_learning_rate():
    assert keras.optimizers.schedules.PolynomialDecay(0.1, 10).end_learning_rate == 1e-4


def test_piecewise_constant_switches_after_the_boundary():
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([10], [0.1, 0.01])
    values = keras.ops.convert_to_numpy(schedule(np.array([9, 10, 11])))
    np.testing.assert_allclose(values, [0.1, 0.1, 0.01], rtol=1e-6)


def test_cosine_decay_warmup_from_initial_to_target():
    schedule = keras.optimizers.schedules.CosineDecay(0.0, 100, alpha=0.1, warmup_target=0.4, warmup_steps=10)
    values = [float(keras.ops.convert_to_numpy(schedule(k))) for k in [0, 5, 10, 60, 110, 500]]
    np.testing.assert_allclose(values, [0.0, 0.2, 0.4, 0.4 * (0.9 * 0.5 + 0.1), 0.04, 0.04], rtol=1e-6, atol=1e-8)
