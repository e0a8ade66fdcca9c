import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_helpers import plotting


def test_decision_regions_draws_both_classes():
    """Does a linear rule produce a picture with both classes shaded and scattered?"""
    fig, ax = plt.subplots()
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    plotting.decision_regions(ax, lambda Z: np.where(Z.sum(axis=1) > 1.5, 1, -1), X, [-1, -1, -1, 1])
    assert len(ax.collections) >= 2
    plt.close(fig)


def test_decision_regions_rejects_inputs_that_are_not_2d():
    """Is a 3-feature input refused with a message naming the shape?"""
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        plotting.decision_regions(ax, lambda Z: Z[:, 0], np.zeros((4, 3)), [0, 1, 0, 1])
    plt.close(fig)


def test_training_curves_plots_validation_too():
    """Are loss and val_loss both drawn from a history dict?"""
    fig, ax = plt.subplots()
    plotting.training_curves(ax, {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    plt.close(fig)
