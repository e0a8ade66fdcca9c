"""Notebook 05 reproduces Matt Mazur's "A Step by Step Backpropagation Example" (2015) digit for digit.

The reference answers of solutions/05_backpropagation (its helper cell and the answer cells `forward`,
`backward` and `train_step`) run here as plain Python; each published number must agree with ours to
every digit it prints (|ours - published| <= half a unit in its last printed digit). The numbers that the
notebook's text quotes are read from the text; the others are typed in from the post.
https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/
"""

import re

import nbformat
import numpy as np
import pytest

from autograder import course

NOTEBOOK = course.SOLUTIONS / "05_backpropagation" / "05_backpropagation.ipynb"
CELLS = ("helpers", "forward", "backward", "train_step")


@pytest.fixture(scope="module")
def sources():
    return {cell.get("id"): cell.source for cell in nbformat.read(NOTEBOOK, as_version=4).cells}


def quoted(sources, cell_id, pattern):
    """The numbers that `pattern`'s groups find in the text of cell `cell_id`, as written there."""
    match = re.search(pattern, sources[cell_id], re.S)
    assert match, f"{pattern!r} not found in cell {cell_id}"
    return match.groups()


@pytest.fixture(scope="module")
def reference(sources):
    """The namespace after running the notebook's helper cell and reference answers."""
    namespace = {"np": np}
    for cell_id in CELLS:
        exec(compile(sources[cell_id], f"05_backpropagation:{cell_id}", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture(scope="module")
def mazur(reference):
    params = [(np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35])),   # w1 w3 / w2 w4, b1
              (np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60]))]   # w5 w7 / w6 w8, b2
    return params, ["sigmoid", "sigmoid"], np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])


def assert_printed(ours, published: str):
    """Does `ours` round to the number as the post prints it?"""
    decimals = len(published.split(".")[1])
    assert abs(float(ours) - float(published)) <= 0.5 * 10.0 ** -decimals + 1e-15, (ours, published)


def test_forward_values_match_the_post(reference, mazur, sources):
    """Are net_h1, out_h1, out_h2, net_o1, out_o1 and out_o2 the published ones (those the text quotes read
    from the text)?"""
    params, activations, X, _ = mazur
    out, cache = reference["forward"](params, activations, X)
    h1, h2, o1, o2 = quoted(sources, "cell-09",
                            r"hidden outputs ([\d.]+) and ([\d.]+), the\s+outputs ([\d.]+) and ([\d.]+),")
    assert_printed(cache[0][1][0, 0], "0.3775")
    assert_printed(cache[1][0][0, 0], h1)
    assert_printed(cache[1][0][0, 1], h2)
    assert_printed(cache[1][1][0, 0], "1.105905967")
    assert_printed(out[0, 0], o1)
    assert_printed(out[0, 1], o2)


def test_errors_match_the_post(reference, mazur, sources):
    """Are E_o1, E_o2 and E_total the published ones, and is E_total (as the text quotes it) the notebook's
    mse_loss?"""
    params, activations, X, Y = mazur
    out, _ = reference["forward"](params, activations, X)
    errors = 0.5 * (Y - out)[0] ** 2
    (total,) = quoted(sources, "cell-09", r"the total error ([\d.]+),")
    assert_printed(errors[0], "0.274811083")
    assert_printed(errors[1], "0.023560026")
    assert_printed(errors.sum(), total)
    assert_printed(reference["mse_loss"](out, Y), total)


def test_gradients_match_the_post(reference, mazur, sources):
    """Are dE/dw5 and dE/dw1 the values the text quotes from the post (0.082167041 and 0.000438568)?"""
    params, activations, X, Y = mazur
    _, cache = reference["forward"](params, activations, X)
    grads = reference["backward"](params, activations, cache, Y)
    w5, w1 = quoted(sources, "cell-16", r"w_5 = ([\d.]+)\$.*?w_1 = ([\d.]+)\$")
    assert_printed(grads[1][0][0, 0], w5)
    assert_printed(grads[0][0][0, 0], w1)


def test_updated_weights_match_the_post(reference, mazur, sources):
    """After one step with learning rate 0.5, are w1 … w8 the published ones (w5 and w1 as the text quotes
    them), and the loss the quoted E_total?"""
    params, activations, X, Y = mazur
    new, loss = reference["train_step"](params, activations, X, Y, 0.5)
    (W1, _), (W2, _) = new
    (total,) = quoted(sources, "cell-09", r"the total error ([\d.]+),")
    w5, w1 = quoted(sources, "cell-09", r"from \$w_5 = ([\d.]+)\$ to \$w_1 = ([\d.]+)\$")
    assert "section 7" in sources["cell-09"] and "`train_step`" in sources["cell-09"]   # where they are reproduced
    assert_printed(loss, total)
    for ours, published in [(W2[0, 0], w5), (W2[1, 0], "0.408666186"), (W2[0, 1], "0.511301270"),
                            (W2[1, 1], "0.561370121"), (W1[0, 0], w1), (W1[1, 0], "0.19956143"),
                            (W1[0, 1], "0.24975114"), (W1[1, 1], "0.29950229")]:
        assert_printed(ours, published)


def test_error_after_the_step_is_what_the_notebook_says(reference, mazur, sources):
    """With the biases fixed (as in the post), is the error after the step what the notebook states
    (0.291027774; the post prints 0.291027924, which its own new weights do not give)?"""
    params, activations, X, Y = mazur
    new, _ = reference["train_step"](params, activations, X, Y, 0.5)
    fixed_biases = [(new[0][0], params[0][1]), (new[1][0], params[1][1])]
    after = reference["mse_loss"](reference["forward"](fixed_biases, activations, X)[0], Y)
    published, ours = quoted(sources, "cell-32",
                             r"a total error of ([\d.]+) after the step.*?forward pass gives ([\d.]+),")
    assert_printed(after, ours)
    assert abs(after - float(published)) > 1e-7
