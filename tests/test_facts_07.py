"""Numbers that notebook 07 quotes from a run: is each one still what the text says?

Each fixture runs the notebook's own cells (the set-up, the helpers, the reference answers an experiment
uses, the experiment) in quick mode on the TensorFlow backend (Keras 3.15.1, CPU). Each test reads the
numbers that the markdown cell after the experiment quotes — from the notebook's text, never typed in
here — and compares every one, to the digits quoted, with what the run computes.
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

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="numbers measured on TensorFlow")

NOTEBOOK = course.SOLUTIONS / "07_regularization" / "07_regularization.ipynb"
CELLS = {cell.get("id"): cell for cell in nbformat.read(NOTEBOOK, as_version=4).cells}
NUMBER = r"(\d+(?:\.\d+)?)"


def run_cells(*cell_ids):
    """The namespace after running these cells of the source notebook in order, in quick mode."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace = {"__name__": "__main__"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_MODE", "quick")
        patch.chdir(NOTEBOOK.parent)
        for cell_id in cell_ids:
            exec(compile(CELLS[cell_id].source, f"07_regularization:{cell_id}", "exec"), namespace)  # noqa: S102
            plt.close("all")
    return namespace


def quoted(cell_id, pattern):
    """The numbers (as written) that `pattern` captures in a markdown cell, its whitespace collapsed."""
    text = " ".join(CELLS[cell_id].source.split())
    matches = re.findall(pattern, text)
    assert len(matches) == 1, f"{pattern!r} should match once in cell {cell_id}, found {len(matches)}"
    return matches[0] if isinstance(matches[0], tuple) else (matches[0],)


def assert_as_quoted(value, written):
    """Does `value` round to the number as the notebook writes it (half a unit of its last digit)?"""
    decimals = len(written.split(".")[1]) if "." in written else 0
    assert abs(float(value) - float(written)) <= 0.5 * 10.0 ** -decimals + 1e-12, (value, written)


@pytest.fixture(scope="module")
def mlps():
    """Section 1's fit of four MLPs (sections 1 and 3 quote it), and section 3's test errors."""
    namespace = run_cells("cell-02", "helpers", "cell-05", "cell-06", "cell-07")
    namespace["errors"] = namespace["test_errors"](namespace["mlps"])
    return namespace


def test_07_section_1_underfitting_and_overfitting(mlps):
    """Do the small MLP's final losses and accuracy, and the large one's fit and validation minimum, read as quoted?"""
    logs = mlps["mlps_history"].history
    epochs, = quoted("cell-08", r"after (\d+) epochs its training loss")
    assert int(epochs) == mlps["EPOCHS"]
    train_loss, val_loss = quoted("cell-08", rf"training loss is still {NUMBER} and its validation loss {NUMBER}")
    assert_as_quoted(logs["small_loss"][-1], train_loss)
    assert_as_quoted(logs["val_small_loss"][-1], val_loss)
    assert np.argmin(logs["val_small_loss"]) >= mlps["EPOCHS"] - 2  # "both still falling slowly"
    accuracy, = quoted("cell-08", rf"\(training accuracy {NUMBER}\)")
    assert_as_quoted(logs["small_accuracy"][-1], accuracy)
    loss, accuracy = quoted("cell-08", rf"\(loss {NUMBER}, accuracy {NUMBER}\)")
    assert_as_quoted(logs["large_loss"][-1], loss)
    assert_as_quoted(logs["large_accuracy"][-1], accuracy)
    lowest, epoch, final = quoted("cell-08", rf"bottoms out at {NUMBER} at epoch (\d+) and climbs back to {NUMBER}")
    assert_as_quoted(min(logs["val_large_loss"]), lowest)
    assert int(np.argmin(logs["val_large_loss"])) + 1 == int(epoch)
    assert_as_quoted(logs["val_large_loss"][-1], final)


def test_07_section_3_l2_alone_and_with_dropout(mlps):
    """Do the final validation losses, training accuracies and test errors of the three large MLPs read as quoted?"""
    logs, errors = mlps["mlps_history"].history, mlps["errors"]
    l2_lowest, l2_epoch, none_lowest, none_epoch, l2_final, none_final = quoted(
        "cell-26", rf"bottoms out at {NUMBER} at epoch (\d+) \({NUMBER} at epoch (\d+) without regularization\) and "
                   rf"climbs back to {NUMBER} \({NUMBER}\)")
    for curve, lowest, epoch, final in [("val_l2_loss", l2_lowest, l2_epoch, l2_final),
                                        ("val_large_loss", none_lowest, none_epoch, none_final)]:
        assert_as_quoted(min(logs[curve]), lowest)
        assert int(np.argmin(logs[curve])) + 1 == int(epoch)
        assert_as_quoted(logs[curve][-1], final)
    l2_accuracy, none_accuracy = quoted("cell-26", rf"final training accuracy of {NUMBER} \({NUMBER}\)")
    assert_as_quoted(logs["l2_accuracy"][-1], l2_accuracy)
    assert_as_quoted(logs["large_accuracy"][-1], none_accuracy)
    accuracy, = quoted("cell-26", rf"training accuracy stays at {NUMBER}")
    assert_as_quoted(logs["l2_dropout_accuracy"][-1], accuracy)
    final, = quoted("cell-26", rf"keeps falling, to {NUMBER}, the lowest of the three")
    assert_as_quoted(logs["val_l2_dropout_loss"][-1], final)
    assert logs["val_l2_dropout_loss"][-1] < min(logs["val_l2_loss"][-1], logs["val_large_loss"][-1])
    assert int(np.argmin(logs["val_l2_dropout_loss"])) + 1 >= mlps["EPOCHS"] - 2  # "keeps falling"
    none, l2, both = quoted("cell-26",
                            rf"test errors were {NUMBER} \(none\), {NUMBER} \(L2\) and {NUMBER} \(L2 and dropout\)")
    assert_as_quoted(errors["large"], none)
    assert_as_quoted(errors["l2"], l2)
    assert_as_quoted(errors["l2_dropout"], both)
    standard_error, = quoted("cell-26", rf"standard error of such a number is about {NUMBER}")
    p = np.mean([errors["large"], errors["l2"], errors["l2_dropout"]])
    assert_as_quoted(math.sqrt(p * (1 - p) / len(mlps["y_test"])), standard_error)


def test_07_batch_normalization_experiment():
    """Do the sigmoid MLP's loss and accuracy, and the BN branch's, with moving and with batch statistics, read as
    quoted?"""
    namespace = run_cells("cell-02", "helpers", "cell-05", "cell-06", "cell-46")
    logs = namespace["bn_history"].history
    epochs, steps = quoted("cell-47", r"\((\d+) epochs of (\d+) steps;")
    assert int(epochs) == namespace["EPOCHS_BN"] and int(steps) == math.ceil(len(namespace["x_train"]) / 50)
    loss, = quoted("cell-47", rf"training loss stays at {NUMBER} ≈ ln 10")
    assert_as_quoted(logs["sigmoid_loss"][-1], loss)
    assert_as_quoted(math.log(10), loss)
    accuracy, = quoted("cell-47", rf"single class \(validation accuracy {NUMBER}\)")
    assert_as_quoted(logs["val_sigmoid_accuracy"][-1], accuracy)
    assert len(set(np.round(logs["val_sigmoid_accuracy"], 6))) == 1  # the same single class after every epoch
    loss, total_steps = quoted("cell-47", rf"training loss falls to {NUMBER} in the same (\d+) steps")
    assert_as_quoted(logs["sigmoid_bn_loss"][-1], loss)
    assert int(total_steps) == int(epochs) * int(steps)
    accuracy, = quoted("cell-47", rf"Its validation accuracy \({NUMBER}\)")
    assert_as_quoted(logs["val_sigmoid_bn_accuracy"][-1], accuracy)
    updates, percent = quoted("cell-47", r"0\.99\^\{(\d+)\} \\approx (\d+)\\,\\%")
    assert int(updates) == int(total_steps)
    assert_as_quoted(100 * 0.99 ** int(updates), percent)
    accuracy, = quoted("cell-47", rf"scores {NUMBER} on the validation set")
    probabilities = keras.ops.convert_to_numpy(namespace["bn_model"](namespace["x_valid"], training=True)[1])
    assert_as_quoted(np.mean(probabilities.argmax(axis=1) == namespace["y_valid"]), accuracy)


def test_07_subgradient_and_proximal_steps():
    """Do the exact zeros of both runs, and how far the subgradient run's weights stay from 0, read as quoted?"""
    namespace = run_cells("cell-02", "helpers", "penalties", "l1_proximal", "l1-experiment")
    w_subgradient, w_proximal = namespace["w_subgradient"], namespace["w_proximal"]
    zeroed = w_proximal == 0
    count, = quoted("l1-experiment-result", r"end with (\d+) of the 20 weights exactly 0")
    assert int(count) == int(zeroed.sum())
    assert "The subgradient steps end with none" in " ".join(CELLS["l1-experiment-result"].source.split())
    assert not np.any(w_subgradient == 0)
    same, = quoted("l1-experiment-result", r"the same (\d+) weights jumped back and forth")
    assert int(same) == int(zeroed.sum())
    distance, step = quoted("l1-experiment-result",
                            rf"within ±{NUMBER} of 0, about twice \$\\eta\\lambda_1 = {NUMBER}\$")
    assert_as_quoted(np.abs(namespace["trace_subgradient"][-50:, zeroed]).max(), distance)
    assert_as_quoted(namespace["LEARNING_RATE"] * namespace["STRENGTH"], step)
    assert 1.5 < float(distance) / float(step) < 2.5  # "about twice"
    words = {"six": 6, "seven": 7, "eight": 8, "nine": 9}
    kept, = quoted("l1-experiment-result", r"Both runs agree on the (\w+) weights that stay away from zero")
    assert words[kept] == int((~zeroed).sum())
    assert np.max(np.abs(w_subgradient[~zeroed] - w_proximal[~zeroed])) < 0.01


def test_07_adam_with_l2_and_decoupled_decay_on_an_unused_weight():
    """Do both strengths of Adam + L2 end where the text says after 200 steps, and AdamW's λ = 0.1 at 0.999^200?"""
    namespace = run_cells("cell-02", "helpers", "weight_decay")
    ends = {}
    for strength in [1e-4, 1e-1]:
        for name in ["adam_l2_step", "adamw_step"]:
            w, state = np.array([1.0]), namespace["adam_start"](np.array([1.0]))
            for _ in range(200):
                w, state = namespace[name](w, np.zeros(1), state, 0.01, strength)
            ends[name, strength] = float(w[0])
    end, = quoted("cell-17", rf"both end at {NUMBER} after 200 steps")
    assert_as_quoted(ends["adam_l2_step", 1e-4], end)
    assert_as_quoted(ends["adam_l2_step", 1e-1], end)
    power, value = quoted("cell-17", rf"\$0\.999\^\{{(\d+)\}} \\approx {NUMBER}\$")
    assert_as_quoted((1 - 0.01 * 0.1) ** int(power), value)
    assert_as_quoted(ends["adamw_step", 1e-1], value)
    assert ends["adamw_step", 1e-4] > 0.999  # "practically nothing for λ = 1e-4"
