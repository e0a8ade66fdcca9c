"""Pictures the notebooks draw again and again: decision regions and training curves."""

import numpy as np


def decision_regions(ax, predict, X, y, *, title="", padding=0.5, resolution=120):
    """Shade where ``predict`` says class 1 vs the other class and scatter the labelled points.

    ``predict`` maps an (n, 2) array to n labels or scores; scores are split at their midpoint
    (0.5 for probabilities in [0, 1], 0 for labels in {-1, +1}).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_regions draws 2-D inputs; got X of shape {X.shape}")
    x_min, y_min = X.min(axis=0) - padding
    x_max, y_max = X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid = np.c_[xx.ravel(), yy.ravel()]
    scores = np.asarray(predict(grid), dtype=float).reshape(xx.shape)
    threshold = 0.0 if scores.min() < 0 else 0.5
    ax.contourf(xx, yy, scores > threshold, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"])
    positive = y > (0 if y.min() < 0 else 0.5)
    ax.scatter(*X[~positive].T, marker="o", s=80, c="#d62728", edgecolors="k", label="class 0 / -1")
    ax.scatter(*X[positive].T, marker="s", s=80, c="#1f77b4", edgecolors="k", label="class 1 / +1")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    ax.set_aspect("equal")


def training_curves(ax, history, metrics=("loss",), title=""):
    """Plot per-epoch curves from a Keras ``History`` (or its ``.history`` dict), validation too."""
    logs = getattr(history, "history", history)
    for name in metrics:
        for key in (name, f"val_{name}"):
            if key in logs:
                ax.plot(np.arange(1, len(logs[key]) + 1), logs[key], label=key)
    ax.set_xlabel("epoch")
    ax.set_title(title)
    ax.legend()
