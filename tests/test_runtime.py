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
