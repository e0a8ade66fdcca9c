"""Interactive explorations: sliders where a widget front end shows them, a static figure everywhere else.

A notebook writes one drawing function ``draw(ax, **setting)`` and calls::

    widgets.explore(draw, [dict(rate=0.01), dict(rate=0.1)],
                    rate=widgets.slider(0.001, 1.0, value=0.01, log=True))

In JupyterLab, Jupyter Notebook or Colab that shows a slider per keyword (``ipywidgets.interactive``)
and redraws the figure as it moves. Where nothing could show a widget (a script, nbconvert, the grader)
it draws each fixed setting side by side in one static figure instead, so the picture is never lost.
"""

import math
import os
import sys
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
from IPython.display import display

FORCE_VARIABLE = "COURSE_WIDGETS"
LABEL_STYLE = {"description_width": "initial"}  # show a control's whole name (negative_slope), not its first letters


def front_end() -> bool:
    """True when a widget front end is attached: ``COURSE_WIDGETS=1``/``0`` forces the answer; otherwise a
    kernel started by jupyter_server (JupyterLab, Notebook 7: it sets ``JPY_SESSION_NAME``) or Colab."""
    forced = os.environ.get(FORCE_VARIABLE, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return "JPY_SESSION_NAME" in os.environ or "google.colab" in sys.modules


@dataclass(frozen=True)
class Slider:
    """A slider from ``min`` to ``max`` starting at ``value``; ``log`` spaces it by powers of 10."""

    min: float
    max: float
    value: float
    step: float | None = None
    log: bool = False
    continuous_update: bool = True

    def widget(self, name):
        import ipywidgets

        common = dict(value=self.value, description=name, style=LABEL_STYLE, continuous_update=self.continuous_update)
        if self.log:
            return ipywidgets.FloatLogSlider(base=10, min=math.log10(self.min), max=math.log10(self.max),
                                             step=self.step or 0.05, **common)
        if all(isinstance(v, int) for v in (self.min, self.max, self.value, self.step or 1)):
            return ipywidgets.IntSlider(min=self.min, max=self.max, step=self.step or 1, **common)
        return ipywidgets.FloatSlider(min=self.min, max=self.max, step=self.step or (self.max - self.min) / 100,
                                      **common)


@dataclass(frozen=True)
class Choice:
    """A drop-down list of ``options`` (strings) starting at ``value`` (the first option by default)."""

    options: tuple = field(default=())
    value: object = None

    def widget(self, name):
        import ipywidgets

        value = self.options[0] if self.value is None else self.value
        return ipywidgets.Dropdown(options=list(self.options), value=value, description=name, style=LABEL_STYLE)


def slider(min, max, value, *, step=None, log=False, continuous_update=True):
    """A slider for ``explore``: integers give an integer slider; ``log=True`` moves by powers of 10
    (its ``step`` is then in powers of 10, 0.05 by default). ``continuous_update=False`` redraws only when
    the slider is let go: for drawings that take a second."""
    if not min <= value <= max:
        raise ValueError(f"slider value {value} lies outside [{min}, {max}]")
    if log and min <= 0:
        raise ValueError("a log slider needs min > 0")
    return Slider(min, max, value, step, log, continuous_update)


def choice(options, value=None):
    """A drop-down list for ``explore``."""
    options = tuple(options)
    if value is not None and value not in options:
        raise ValueError(f"{value!r} is not one of the options {options}")
    return Choice(options, value)


def _as_widget(name, control):
    return control.widget(name) if isinstance(control, (Slider, Choice)) else control


def explore(draw, static_settings, *, columns=2, axes_size=(6.0, 3.2), **controls):
    """Let the reader explore ``draw(ax, **setting)``.

    With a widget front end: one control per keyword of ``controls`` (``slider``, ``choice``, or any
    ipywidgets widget), and the figure redrawn on one axes whenever a control moves. Without: one figure
    with one axes per setting of ``static_settings`` (dicts of keyword arguments for ``draw``), ``columns``
    to a row. It displays what it makes and returns None, so that a cell may end with the call.
    """
    if not static_settings:
        raise ValueError("explore needs at least one static setting to draw without a widget front end")
    if front_end():
        import ipywidgets

        def redraw(**setting):
            fig, ax = plt.subplots(figsize=axes_size)
            draw(ax, **setting)
            fig.tight_layout()
            plt.show()

        interactive = ipywidgets.interactive(redraw, **{name: _as_widget(name, control)
                                                        for name, control in controls.items()})
        display(interactive)
        return
    columns = min(columns, len(static_settings))
    rows = -(-len(static_settings) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(axes_size[0] * columns, axes_size[1] * rows), squeeze=False)
    for ax, setting in zip(axes.ravel(), static_settings):
        draw(ax, **setting)
    for ax in axes.ravel()[len(static_settings):]:
        ax.remove()
    fig.tight_layout()
    plt.show()
