"""Notebook 05 reproduces Matt Mazur's "A Step by Step Backpropagation Example" (2015) digit for digit.

The reference answers of solutions/05_backpropagation (its helper cell and the answer cells `forward`,
`backward` and `train_step`) run here as plain Python; each published number must agree with ours to
every digit it prints (|ours - published| <= half a unit in its last printed digit).
https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/
"""

import nbformat
import numpy as np
import pytest

from autograder import course

NOTEBOOK = course.SOLUTIONS / "05_backpropagation" / "05_backpropagation.ipynb"
CELLS = ("helpers", "forward", "backward", "train_step")


@pytest.fixture(scope="module")
def reference():
    """The namespace after running the notebook's helper cell and reference answers."""
    sources = {cell.get("id"): cell.source for cell in nbformat.read(NOTEBOOK, as_version=4).cells}
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


def test_forward_values_match_the_post(reference, mazur):
    """Are net_h1, out_h1, out_h2, net_o1, out_o1 and out_o2 the published ones?"""
    params, activations, X, _ = mazur
    out, cache = reference["forward"](params, activations, X)
    assert_printed(cache[0][1][0, 0], "0.3775")
    assert_printed(cache[1][0][0, 0], "0.593269992")
    assert_printed(cache[1][0][0, 1], "0.596884378")
    assert_printed(cache[1][1][0, 0], "1.105905967")
    assert_printed(out[0, 0], "0.75136507")
    assert_printed(out[0, 1], "0.772928465")


def test_errors_match_the_post(reference, mazur):
    """Are E_o1, E_o2 and E_total = 0.298371109, and is E_total the notebook's mse_loss?"""
    params, activations, X, Y = mazur
    out, _ = reference["forward"](params, activations, X)
    errors = 0.5 * (Y - out)[0] ** 2
    assert_printed(errors[0], "0.274811083")
    assert_printed(errors[1], "0.023560026")
    assert_printed(errors.sum(), "0.298371109")
    assert_printed(reference["mse_loss"](out, Y), "0.298371109")


def test_gradients_match_the_post(reference, mazur):
    """Are dE/dw5 = 0.082167041 and dE/dw1 = 0.000438568?"""
    params, activations, X, Y = mazur
    _, cache = reference["forward"](params, activations, X)
    grads = reference["backward"](params, activations, cache, Y)
    assert_printed(grads[1][0][0, 0], "0.082167041")
    assert_printed(grads[0][0][0, 0], "0.000438568")


def test_updated_weights_match_the_post(reference, mazur):
    """After one step with learning rate 0.5, are w1 … w8 the published ones, and the loss 0.298371109?"""
    params, activations, X, Y = mazur
    new, loss = reference["train_step"](params, activations, X, Y, 0.5)
    (W1, _), (W2, _) = new
    assert_printed(loss, "0.298371109")
    for ours, published in [(W2[0, 0], "0.35891648"), (W2[1, 0], "0.408666186"), (W2[0, 1], "0.511301270"),
                            (W2[1, 1], "0.561370121"), (W1[0, 0], "0.149780716"), (W1[1, 0], "0.19956143"),
                            (W1[0, 1], "0.24975114"), (W1[1, 1], "0.29950229")]:
        assert_printed(ours, published)


def test_error_after_the_step_is_what_the_notebook_says(reference, mazur):
    """With the biases fixed (as in the post), is the error after the step 0.291027774, as the notebook
    states (the post prints 0.291027924, which its own new weights do not give)?"""
    params, activations, X, Y = mazur
    new, _ = reference["train_step"](params, activations, X, Y, 0.5)
    fixed_biases = [(new[0][0], params[0][1]), (new[1][0], params[1][1])]
    after = reference["mse_loss"](reference["forward"](fixed_biases, activations, X)[0], Y)
    assert_printed(after, "0.291027774")
    assert abs(after - 0.291027924) > 1e-7
