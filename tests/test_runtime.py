import pytest

from course_helpers import runtime


def test_mode_follows_the_environment_variable(monkeypatch):
    """Does COURSE_MODE choose the mode, whatever the hardware?"""
    monkeypatch.setenv("COURSE_MODE", "full")
    assert runtime.mode() == "full"
    monkeypatch.setenv("COURSE_MODE", " Quick ")
    assert runtime.mode() == "quick"


def test_mode_defaults_to_the_hardware(monkeypatch):
    """Without COURSE_MODE, is it full exactly when a GPU is visible?"""
    monkeypatch.delenv("COURSE_MODE", raising=False)
    monkeypatch.setattr(runtime, "gpu_visible", lambda: True)
    assert runtime.mode() == "full"
    monkeypatch.setattr(runtime, "gpu_visible", lambda: False)
    assert runtime.mode() == "quick"


def test_unknown_mode_is_a_clear_error(monkeypatch):
    """Does a typo in COURSE_MODE say what the choices are?"""
    monkeypatch.setenv("COURSE_MODE", "fast")
    with pytest.raises(ValueError, match="quick, full"):
        runtime.mode()


def test_pick_returns_the_size_of_the_mode(monkeypatch):
    """Does pick() return the quick size in quick mode and the full size in full mode?"""
    monkeypatch.setenv("COURSE_MODE", "quick")
    assert runtime.pick(quick=3, full=60) == 3
    monkeypatch.setenv("COURSE_MODE", "full")
    assert runtime.pick(quick=3, full=60) == 60


def test_hidden_gpus_are_not_visible(monkeypatch):
    """Does CUDA_VISIBLE_DEVICES=-1 count as no GPU?"""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert runtime.gpu_visible() is False


def test_pins_are_read_from_pyproject():
    """Are the course's pins those of pyproject.toml (the one list that installs the course)?"""
    pinned = runtime.pins()
    assert pinned["keras"].startswith("3.") and pinned["tensorflow"].startswith("2.")
    assert pinned["keras-tuner"]


def test_framework_versions_outside_the_range_get_a_message():
    """Colab brings its own Keras/TensorFlow: in range they pass silently, outside it the message says what to do."""
    keras_pin, tf_pin = runtime.pins()["keras"], runtime.pins()["tensorflow"]
    major, minor = (int(part) for part in keras_pin.split(".")[:2])
    assert runtime.version_problems({"keras": keras_pin, "tensorflow": tf_pin}) == []
    assert runtime.version_problems({"keras": f"{major}.{minor + 1}.0rc1"}) == []
    (older,) = runtime.version_problems({"keras": f"{major}.{minor - 1}.2"})
    assert f"%pip install keras=={keras_pin}" in older and "restart" in older
    assert runtime.version_problems({"keras": f"{major + 1}.0.0"})
    assert runtime.version_problems({"tensorflow": "2.15.1"})


def test_without_pyproject_nothing_is_checked(tmp_path):
    """Where the course's pyproject.toml is hidden (the grading sandbox), the check stays silent."""
    assert runtime.pins(tmp_path / "pyproject.toml") == {}


def test_require_installs_nothing_that_is_present(monkeypatch):
    """Does require() leave an installed module alone (no pip, no network)?"""
    monkeypatch.setattr(runtime.subprocess, "run", lambda *a, **k: pytest.fail("pip was called"))
    runtime.require("numpy", "numpy")
