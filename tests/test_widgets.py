import matplotlib.pyplot as plt
import pytest

from course_helpers import widgets


@pytest.fixture
def shown(monkeypatch):
    """What explore displays (instead of sending it to a front end that is not there)."""
    displayed = []
    monkeypatch.setattr(widgets, "display", displayed.append)
    plt.close("all")
    yield displayed
    plt.close("all")


def draw_line(ax, slope=1.0, name="line"):
    ax.plot([0, 1], [0, slope])
    ax.set_title(f"{name}: slope {slope}")


@pytest.mark.parametrize("forced, expected", [("1", True), ("0", False)])
def test_course_widgets_forces_the_answer(monkeypatch, forced, expected):
    """Does COURSE_WIDGETS=1 or 0 decide, whatever the session says?"""
    monkeypatch.setenv("COURSE_WIDGETS", forced)
    monkeypatch.setenv("JPY_SESSION_NAME", "x.ipynb")
    assert widgets.front_end() is expected


def test_default_follows_the_jupyter_server_session(monkeypatch):
    """Without COURSE_WIDGETS, is a front end there exactly when jupyter_server started the kernel?"""
    monkeypatch.delenv("COURSE_WIDGETS", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delitem(__import__("sys").modules, "google.colab", raising=False)
    assert widgets.front_end() is False
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/student/06_gradient_descent.ipynb")
    assert widgets.front_end() is True


def test_with_a_front_end_explore_shows_controls_with_their_ranges(monkeypatch, shown):
    """COURSE_WIDGETS=1: does explore display one control per keyword, with the ranges asked for, and draw?"""
    import ipywidgets

    monkeypatch.setenv("COURSE_WIDGETS", "1")
    widgets.explore(draw_line, [dict(slope=1.0)],
                    slope=widgets.slider(0.001, 0.2, value=0.02, log=True),
                    momentum=widgets.slider(0.0, 0.99, value=0.9, step=0.01),
                    depth=widgets.slider(1, 60, value=30, continuous_update=False),
                    name=widgets.choice(["line", "ramp"], value="ramp"))
    [interactive] = shown
    assert isinstance(interactive, ipywidgets.interactive)
    controls = {w.description: w for w in interactive.kwargs_widgets}
    assert list(controls) == ["slope", "momentum", "depth", "name"]
    slope = controls["slope"]
    assert isinstance(slope, ipywidgets.FloatLogSlider)
    assert (slope.base, slope.min, slope.max, slope.value) == (10, -3, pytest.approx(-0.69897, abs=1e-5), 0.02)
    momentum = controls["momentum"]
    assert isinstance(momentum, ipywidgets.FloatSlider)
    assert (momentum.min, momentum.max, momentum.step, momentum.value) == (0.0, 0.99, 0.01, 0.9)
    assert isinstance(controls["depth"], ipywidgets.IntSlider)
    assert (controls["depth"].min, controls["depth"].max, controls["depth"].value) == (1, 60, 30)
    assert momentum.continuous_update and not controls["depth"].continuous_update
    assert isinstance(controls["name"], ipywidgets.Dropdown)
    assert controls["name"].options == ("line", "ramp") and controls["name"].value == "ramp"


def test_moving_a_control_redraws_with_its_value(monkeypatch, shown):
    """Is the drawing function called again with the new value when a slider moves?"""
    monkeypatch.setenv("COURSE_WIDGETS", "1")
    calls = []

    def draw(ax, learning_rate):
        calls.append(learning_rate)
        ax.plot([0, 1], [0, learning_rate])

    widgets.explore(draw, [dict(learning_rate=0.1)], learning_rate=widgets.slider(0.0, 1.0, value=0.1))
    [interactive] = shown
    interactive.kwargs_widgets[0].value = 0.5
    assert calls == [0.1, 0.5]


def test_ipywidgets_widgets_pass_through(monkeypatch, shown):
    """Can a notebook hand explore a ready-made ipywidgets control?"""
    import ipywidgets

    monkeypatch.setenv("COURSE_WIDGETS", "1")
    checkbox = ipywidgets.Checkbox(value=True)
    widgets.explore(lambda ax, flag: None, [dict(flag=True)], flag=checkbox)
    assert shown[0].kwargs_widgets == [checkbox]


def test_without_a_front_end_explore_draws_one_axes_per_setting(monkeypatch, shown):
    """COURSE_WIDGETS=0: one static figure, one axes per setting, each drawn with its own values?"""
    monkeypatch.setenv("COURSE_WIDGETS", "0")
    settings = [dict(slope=0.5), dict(slope=1.0), dict(slope=2.0, name="ramp")]
    widgets.explore(draw_line, settings, columns=2, slope=widgets.slider(0.0, 3.0, value=1.0))
    assert shown == [], "no widget without a front end"
    assert len(plt.get_fignums()) == 1
    axes = plt.gcf().axes
    assert [ax.get_title() for ax in axes] == ["line: slope 0.5", "line: slope 1.0", "ramp: slope 2.0"]


def test_explore_needs_a_static_setting(monkeypatch):
    """Is an exploration that would draw nothing without a front end refused?"""
    monkeypatch.setenv("COURSE_WIDGETS", "0")
    with pytest.raises(ValueError, match="static setting"):
        widgets.explore(draw_line, [], slope=widgets.slider(0.0, 1.0, value=0.5))


@pytest.mark.parametrize("make, message", [
    (lambda: widgets.slider(0.0, 1.0, value=2.0), "outside"),
    (lambda: widgets.slider(0.0, 1.0, value=0.5, log=True), "min > 0"),
    (lambda: widgets.choice(["a", "b"], value="c"), "not one of"),
])
def test_controls_refuse_impossible_settings(make, message):
    """Is a start value outside the range, or a log slider reaching 0, refused when the cell is written?"""
    with pytest.raises(ValueError, match=message):
        make()
