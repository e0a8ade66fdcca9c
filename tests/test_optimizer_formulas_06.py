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


def test_cosine_decay_without_warmup_starts_at_the_target():
    """With warmup_steps=0, does CosineDecay decay from warmup_target at once (no division by zero)?"""
    schedule = keras.optimizers.schedules.CosineDecay(0.0, 100, alpha=0.1, warmup_target=0.4, warmup_steps=0)
    values = [float(keras.ops.convert_to_numpy(schedule(k))) for k in [0, 50, 100, 200]]
    np.testing.assert_allclose(values, [0.4, 0.4 * (0.9 * 0.5 + 0.1), 0.04, 0.04], rtol=1e-6)


def test_adam_amsgrad_keeps_the_maximum_of_the_uncorrected_v():
    """Does Adam(amsgrad=True) keep velocity_hat = max(velocity_hat, v) of the uncorrected v, and divide by its root?"""
    gradients = [[3.0, -2.0], [0.1, 0.05], [-0.2, 0.1], [0.05, -0.02]]   # large, then small: v decays
    w_keras, state = run(keras.optimizers.Adam(learning_rate=0.1, beta_1=0.8, beta_2=0.9, epsilon=0.01,
                                               amsgrad=True), [0.0, 0.0], gradients)
    w, m, v, v_max = np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2)
    for t, g in enumerate(np.array(gradients), start=1):
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g ** 2
        v_max = np.maximum(v_max, v)
        w = w - 0.1 * np.sqrt(1 - 0.9 ** t) / (1 - 0.8 ** t) * m / (np.sqrt(v_max) + 0.01)
    assert np.all(v_max > v)   # the maximum mattered
    np.testing.assert_allclose(state["velocity_hat"], v_max, rtol=1e-7)
    np.testing.assert_allclose(w_keras, w, rtol=1e-6)


def test_global_clipnorm_scales_every_gradient_by_one_factor():
    """Does global_clipnorm=c multiply all gradients by c / max(global norm, c), where clipnorm clips each alone?"""
    gradients = [np.array([3.0, 4.0]), np.array([[12.0]])]   # norms 5 and 12, global norm 13

    def applied(optimizer):
        variables = [keras.Variable(np.zeros(np.shape(g)), dtype="float64", name=f"v{i}")
                     for i, g in enumerate(gradients)]
        optimizer.apply(gradients, variables)
        return [-keras.ops.convert_to_numpy(v) for v in variables]

    clipped = applied(keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=6.5))
    np.testing.assert_allclose(clipped[0], [1.5, 2.0], rtol=1e-12)
    np.testing.assert_allclose(clipped[1], [[6.0]], rtol=1e-12)
    each = applied(keras.optimizers.SGD(learning_rate=1.0, clipnorm=6.5))
    np.testing.assert_allclose(each[0], [3.0, 4.0], rtol=1e-6)
    np.testing.assert_allclose(each[1], [[6.5]], rtol=1e-6)
    within = applied(keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=13.0))
    np.testing.assert_allclose(within[1], [[12.0]], rtol=1e-12)


def quadratic_run(optimizer, curvature, num_steps=60):
    variable = keras.Variable(np.array([1.0]), dtype="float64", name="w")
    for _ in range(num_steps):
        optimizer.apply([curvature * keras.ops.convert_to_numpy(variable)], [variable])
    return abs(float(keras.ops.convert_to_numpy(variable)[0]))


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.5, False), (0.9, True), (0.5, True)])
def test_sgd_stability_limits_on_a_quadratic(momentum, nesterov):
    """Does Keras's SGD converge just below and diverge just above the limits the reference derives: 2(1 + μ)/λ for
    momentum and 2(1 + μ)/((1 + 2μ)λ) for Nesterov (2/λ for gradient descent)?"""
    curvature = 25.0
    limit = 2 * (1 + momentum) / ((1 + 2 * momentum) if nesterov else 1) / curvature
    below = quadratic_run(keras.optimizers.SGD(learning_rate=0.97 * limit, momentum=momentum, nesterov=nesterov),
                          curvature)
    above = quadratic_run(keras.optimizers.SGD(learning_rate=1.03 * limit, momentum=momentum, nesterov=nesterov),
                          curvature)
    assert below < 1 < 10 < above, (below, above)


def test_jury_criterion_for_2x2_matrices():
    """Do both eigenvalues of a real 2×2 matrix lie inside the unit circle exactly when |det| < 1 and |tr| < 1 + det?"""
    rng = np.random.default_rng(0)
    for matrix in rng.uniform(-2, 2, size=(2000, 2, 2)):
        trace, det = np.trace(matrix), np.linalg.det(matrix)
        inside = np.abs(np.linalg.eigvals(matrix)).max() < 1
        margin = min(abs(abs(det) - 1), abs(abs(trace) - 1 - det))
        if margin > 1e-9:
            assert inside == (abs(det) < 1 and abs(trace) < 1 + det)


def test_keras_nesterov_stores_the_look_ahead_point():
    """Is Keras's nesterov=True parameter the look-ahead point w + μv of Sutskever et al.'s form, in which the
    gradient is taken at w + μv (Bengio, Boulanger-Lewandowski and Pascanu's reparametrisation)?"""
    hessian = np.array([[2.0, 0.5], [0.5, 1.0]])
    learning_rate, momentum = 0.1, 0.9
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum, nesterov=True)
    variable = keras.Variable(np.array([1.0, -1.0]), dtype="float64", name="w")
    w, v = np.array([1.0, -1.0]), np.zeros(2)
    for _ in range(10):
        optimizer.apply([hessian @ keras.ops.convert_to_numpy(variable)], [variable])
        v = momentum * v - learning_rate * hessian @ (w + momentum * v)   # Sutskever et al. (2013), eq. 3-4
        w = w + v
        np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), w + momentum * v, rtol=1e-6)


def test_adam_first_step_on_a_tiny_gradient():
    """Is Keras's first Adam step on g = 1e-6 about 0.240·η (ε̂ = 1e-7 on the uncorrected √v), where Algorithm 1
    with the same ε would take 0.909·η? (The concept check Q2.)"""
    w, _ = run(keras.optimizers.Adam(learning_rate=1.0), [0.0], [[1e-6]])
    assert round(-float(w[0]), 3) == 0.240
    algorithm_1 = 1e-6 / (1e-6 + 1e-7)
    assert round(algorithm_1, 3) == 0.909


def test_fit_updates_and_the_schedule_step_of_the_last_update():
    """Does fit(batch_size=64, epochs=10) on 1000 examples make ⌈1000/64⌉·10 = 160 updates, the last at step 159,
    so that PolynomialDecay(decay_steps=159) gives that update exactly end_learning_rate? (The concept check Q3.)"""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    rates = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            optimizer = self.model.optimizer
            rates.append(float(keras.ops.convert_to_numpy(optimizer.learning_rate)))

    schedule = keras.optimizers.schedules.PolynomialDecay(0.1, decay_steps=159, end_learning_rate=0.001)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    model.fit(np.zeros((1000, 1)), np.zeros((1000, 1)), batch_size=64, epochs=10, verbose=0, callbacks=[Record()])
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 160 == len(rates)
    np.testing.assert_allclose(rates[-1], 0.001, rtol=1e-6)
    assert rates[-2] > 0.001
