"""Numbers and claims that notebook 06 quotes from its own runs: is each one still what the text says?

Each test runs the notebook's own cells (its reference answers included) on the TensorFlow backend in
quick mode, reads the number as the text writes it, and compares it, to the digits the text gives,
with what the run produces. Nothing expected is typed into this file.
"""

import math
import os
import re

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import matplotlib  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder import course  # noqa: E402

matplotlib.use("Agg")
pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="numbers measured on TensorFlow")

NOTEBOOK = course.SOLUTIONS / "06_gradient_descent" / "06_gradient_descent.ipynb"
MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.M)


@pytest.fixture(scope="module")
def cells():
    return {cell.get("id"): cell.source for cell in nbformat.read(NOTEBOOK, as_version=4).cells}


def run(cells, *cell_ids):
    """A namespace after running the named cells (solution markers removed) in order, in quick mode."""
    namespace = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_MODE", "quick")
        for cell_id in cell_ids:
            exec(compile(MARKERS.sub("", cells[cell_id]), f"06:{cell_id}", "exec"), namespace)  # noqa: S102
    return namespace


def text(cells, cell_id):
    """A markdown cell's text on one line (the quoted numbers may wrap)."""
    return " ".join(cells[cell_id].split())


def quoted(cells, cell_id, pattern):
    match = re.search(pattern, text(cells, cell_id))
    assert match, f"{cell_id} no longer says {pattern!r}"
    return match.groups()


def assert_as_written(ours, written: str):
    """Does `ours` print as the text writes it, with as many decimals as the text gives?"""
    decimals = len(written.split(".")[1]) if "." in written else 0
    assert f"{ours:.{decimals}f}" == written, (ours, written)


ANSWERS = ("gradient_descent", "minibatch_epoch", "momentum_step", "largest_stable_learning_rate",
           "clip_by_global_norm", "adagrad_step", "rmsprop_step", "adam_step", "amsgrad_step")


@pytest.fixture(scope="module")
def real_data(cells):
    """Section 10's run: the digits, make_mlp (with the range test) and the sweep of the three optimizers."""
    return run(cells, "cell-03", "cell-31", "cell-32", "cell-39")


def test_real_data_best_rates_are_bracketed(cells, real_data):
    """Is each quoted best rate the run's best, and did the rates a factor of ~3 below and above it do worse?"""
    adam, nesterov, adagrad = quoted(cells, "cell-40", r"the best rates were η = (\S+) for Adam, (\S+) for SGD with "
                                     r"Nesterov momentum and (\S+) for AdaGrad")
    best, candidates = real_data["best"], real_data["candidates"]
    for name, written in [("Adam", adam), ("SGD Nesterov", nesterov), ("AdaGrad", adagrad)]:
        assert best[name] == float(written), (name, best[name], written)
        rates = candidates[name][1]
        assert rates[0] < best[name] < rates[-1], f"{name}: the best rate is at the edge of the sweep {rates}"
    assert "so the sweep brackets them" in text(cells, "cell-40")


def test_real_data_quoted_losses(cells, real_data):
    """Are the first two epochs' and the final losses the ones the text quotes, in the order it claims?"""
    best, histories = real_data["best"], real_data["histories"]
    curves = {name: histories[name, rate] for name, rate in best.items()}
    a1, a2, n1, n2, g1, g2 = quoted(cells, "cell-40", r"Adam's training loss fell fastest in the first two epochs "
                                    r"\((\S+) and (\S+), against SGD with Nesterov's (\S+) and (\S+) and AdaGrad's "
                                    r"(\S+) and (\S+)\)")
    for name, (first, second) in [("Adam", (a1, a2)), ("SGD Nesterov", (n1, n2)), ("AdaGrad", (g1, g2))]:
        assert_as_written(curves[name][0], first)
        assert_as_written(curves[name][1], second)
    for epoch in (0, 1):
        assert curves["Adam"][epoch] < curves["SGD Nesterov"][epoch] < curves["AdaGrad"][epoch]
    epochs, nesterov, adam, adagrad = quoted(cells, "cell-40", r"after (\d+) epochs SGD with Nesterov momentum was "
                                             r"lowest \((\S+)\), Adam close behind \((\S+)\) and AdaGrad further "
                                             r"behind \((\S+)\)")
    assert int(epochs) == real_data["NUM_EPOCHS"] == len(curves["Adam"])
    for name, written in [("SGD Nesterov", nesterov), ("Adam", adam), ("AdaGrad", adagrad)]:
        assert_as_written(curves[name][-1], written)
    assert curves["SGD Nesterov"][-1] < curves["Adam"][-1] < curves["AdaGrad"][-1]


def test_real_data_steps_and_updates(cells, real_data):
    """Are there ⌈1797/128⌉ = 15 steps per epoch and 120 updates in all, as optimizer.iterations counts them?"""
    n, batch, per_epoch, epochs, updates = quoted(cells, "cell-40", r"With \$\\lceil (\d+)/(\d+) \\rceil = (\d+)\$ "
                                                  r"steps per epoch, (\d+) epochs are only (\d+) updates")
    assert int(n) == len(real_data["x_digits"]) and int(batch) == 128
    assert int(per_epoch) == math.ceil(int(n) / int(batch))
    assert int(epochs) == real_data["NUM_EPOCHS"]
    assert {count for count in real_data["updates"].values()} == {int(updates)} == {int(per_epoch) * int(epochs)}


@pytest.fixture(scope="module")
def surfaces(cells):
    namespace = run(cells, "cell-03", "helpers", *ANSWERS, "cell-34")
    paths = {}
    for name, surface in namespace["SURFACES"].items():
        paths[name] = {rule: namespace["run_rule"](rule, surface["grad"], surface["start"], surface["steps"], rate)
                       for rule, rate in surface["rates"].items()}
    return namespace, paths


def test_surfaces_valley(cells, surfaces):
    """On the valley: does GD zig-zag across, momentum overshoot along the floor, Nesterov damp it, and do the
    adaptive methods' first steps head diagonally?"""
    namespace, paths = surfaces
    (rate,) = quoted(cells, "cell-36",
                     r"On the valley, GD with \$\\eta = (\S+)\$, just below its stability limit \$2/25\$")
    assert float(rate) == namespace["SURFACES"]["ill-conditioned quadratic"]["rates"]["GD"] < 2 / 25
    valley = paths["ill-conditioned quadratic"]
    signs = np.sign(valley["GD"][:8, 1])
    assert np.all(signs[1:] == -signs[:-1]), "GD does not zig-zag across the valley"
    overshoot = {rule: valley[rule][:, 0].max() for rule in ["momentum", "Nesterov"]}
    assert overshoot["momentum"] > 0 and overshoot["Nesterov"] < overshoot["momentum"], overshoot
    for rule in ["AdaGrad", "RMSProp", "Adam"]:
        first = np.abs(valley[rule][1] - valley[rule][0])
        assert 0.9 < first[0] / first[1] < 1.1, (rule, first)
    first_gd = np.abs(valley["GD"][1] - valley["GD"][0])
    assert first_gd[1] > 3 * first_gd[0]   # GD's first step heads mostly across


def test_surfaces_rosenbrock(cells, surfaces):
    """After 500 steps, are GD and the momentum methods still far from the minimum, and is Adam closest?"""
    namespace, paths = surfaces
    surface = namespace["SURFACES"]["Rosenbrock"]
    assert "after 500 steps, and Adam gets closest" in text(cells, "cell-36") and surface["steps"] == 500
    final = {rule: float(surface["loss"](*path[-1])) for rule, path in paths["Rosenbrock"].items()}
    assert min(final, key=final.get) == "Adam", final
    assert all(final[rule] > 1 for rule in ["GD", "momentum", "Nesterov"]), final


def test_surfaces_saddle(cells, surfaces):
    """On the saddle: do GD and the momentum methods reach x ≈ 0 before y grows, RMSProp and Adam leave at once,
    and AdaGrad leave later than those two but long before GD?"""
    _, paths = surfaces
    saddle = paths["saddle"]
    assert "AdaGrad, whose accumulator starts at 0.1" in text(cells, "cell-36")
    for rule in ["GD", "momentum", "Nesterov"]:
        path = saddle[rule]
        near_saddle = int(np.argmax(np.abs(path[:, 0]) < 0.1))
        assert near_saddle > 0 and np.all(np.abs(path[:near_saddle, 1]) < 0.02), rule
    for rule in ["RMSProp", "Adam"]:
        assert abs(saddle[rule][1, 1]) > 0.05, rule
    assert abs(saddle["AdaGrad"][1, 1]) < 0.01
    assert abs(saddle["AdaGrad"][10, 1]) > 0.5 > 100 * abs(saddle["GD"][10, 1])


def test_clipping_demo(cells):
    """Does the bumpy loss start with slope 91 at w0 = 3, does plain GD with η = 0.1 blow up, and does clipping at
    norm 5 walk down into the right-hand valley?"""
    slope, = quoted(cells, "clipping-demo-text", r"\$w_0 = 3\$ \(slope (\d+)\)")
    namespace = run(cells, "cell-03", "helpers", *ANSWERS, "cell-07", "cell-09")
    grad = namespace["bumpy_grad"]
    assert grad(3.0) == int(slope)
    w, clipped = 3.0, 3.0
    for _ in range(30):
        if abs(w) < 1e6:
            w = w - 0.1 * grad(w)
        clipped = clipped - 0.1 * namespace["clip_by_global_norm"]([np.array([grad(clipped)])], 5.0)[0][0]
    assert not abs(w) < 1e6
    right_minimum = max(r.real for r in np.roots([4, 0, -6, 1]) if abs(r.imag) < 1e-12)
    assert abs(clipped - right_minimum) < 1e-3
