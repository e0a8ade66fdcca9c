"""Grade on arrival: `make watch` grades a submission once it has been written in full, and a watcher
stopped and started again grades what arrived meanwhile and nothing twice. Two notebooks are graded in
all, each once, by the watcher that `make watch` runs (in a thread here, to spare two interpreter starts)."""

import os
import queue
import threading
import time

from nbgrader.api import Gradebook

from autograder import course, samples, watch
from autograder.watch import Watcher

FAST = "04_loss_functions"  # the quickest notebook to grade
POINTS = f"{sum(samples.test_points(FAST).values()):g}"
REFERENCE = (course.SAMPLES / "reference" / FAST / f"{FAST}.ipynb").read_bytes()
BLANK = (course.SAMPLES / "blank" / FAST / f"{FAST}.ipynb").read_bytes()
QUIET_S = 1.5  # the watcher's debounce
TIMEOUT_S = 600  # a generous bound on one grading round on a busy machine


class Watch:
    """A watcher (autograder.watch.Watcher, what `make watch` runs) in a thread, its lines read as they come.
    Stopping it ends it as Ctrl-C does; a new one is a restart: all it knows is on disk, in OUT."""

    def __init__(self, submissions, out):
        self.lines: list[str] = []
        self.queue: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.watcher = Watcher(submissions, out, workers=1, quiet=QUIET_S, echo=self.queue.put)
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        try:
            self.watcher.run(self.stopping)
        finally:
            self.queue.put(None)

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"the watcher ended before saying {text!r}:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"the watcher never said {text!r}:\n" + "\n".join(self.lines))

    def stop(self):
        self.stopping.set()
        self.wait_for("stopped")
        self.thread.join(timeout=TIMEOUT_S)
        assert not self.thread.is_alive()

    def graded(self, student: str) -> list[str]:
        return [line for line in self.lines if f" graded {student}/" in line]


def write_slowly(path, content: bytes, pause: float):
    """Write a file in two halves with a pause between, as a slow copy or an upload does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content[: len(content) // 2])
        handle.flush()
        os.fsync(handle.fileno())
        time.sleep(pause)
        handle.write(content[len(content) // 2:])


def test_watch_grades_each_arrival_once_and_resumes_after_a_restart(tmp_path):
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    submissions.mkdir()
    watch = Watch(submissions, out)
    watch.wait_for("waiting: no submissions")

    # Written in two halves, with a pause shorter than the debounce: graded once, complete (full marks), never
    # as the half-written file (which would be graded as blank and reported as not a notebook).
    write_slowly(submissions / "ada" / FAST / f"{FAST}.ipynb", REFERENCE, pause=QUIET_S / 3)
    line = watch.wait_for(f"graded ada/{FAST}")
    assert f"graded ada/{FAST}: {POINTS}/{POINTS} in " in line and "problem" not in line, line
    assert f"feedback {out / 'feedback' / 'ada' / FAST / f'{FAST}.html'}" in line
    watch.stop()
    assert len(watch.graded("ada")) == 1, watch.lines
    ada_graded = out / "autograded" / "ada" / FAST / f"{FAST}.ipynb"
    ada_graded_at = ada_graded.stat().st_mtime_ns

    # Stopped; Bob hands in; started again: Bob is graded, Ada is not graded a second time.
    (submissions / "bob" / FAST).mkdir(parents=True)
    (submissions / "bob" / FAST / f"{FAST}.ipynb").write_bytes(BLANK)
    watch = Watch(submissions, out)
    line = watch.wait_for(f"graded bob/{FAST}")
    assert f"graded bob/{FAST}: 0/{POINTS} in " in line, line
    watch.stop()
    assert watch.graded("ada") == [], watch.lines
    assert ada_graded.stat().st_mtime_ns == ada_graded_at, "Ada's submission was graded again"

    # What a person reads afterwards: the gradebook, both feedback pages, and a report with both.
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(FAST, "ada").score == float(POINTS)
        assert gradebook.find_submission(FAST, "bob").score == 0
    for student in ("ada", "bob"):
        assert (out / "feedback" / student / FAST / f"{FAST}.html").is_file()
    page = (out / "report.html").read_text()
    assert "<td class=\"text\">ada</td>" in page and "<td class=\"text\">bob</td>" in page
    assert (out / "logs" / "watch.log").read_text().count("=== round at") >= 3


def test_only_settled_changes_to_submissions_start_a_round(tmp_path):
    """Do reads (grading opens every file), hidden and temporary files and OUT itself start nothing, and does
    a change start one round only once nothing has changed for the quiet period?"""
    from watchdog.events import FileClosedNoWriteEvent, FileModifiedEvent, FileOpenedEvent

    from autograder.watch import Changes

    root = tmp_path / "submissions"
    changes = Changes(root, ignored=[root / "out"])
    for event in (FileOpenedEvent(str(root / "ada" / FAST / "a.ipynb")),
                  FileClosedNoWriteEvent(str(root / "ada" / FAST / "a.ipynb")),
                  FileModifiedEvent(str(root / "ada" / FAST / ".ipynb_checkpoints" / "a.ipynb")),
                  FileModifiedEvent(str(root / "ada" / FAST / "a.ipynb.part")),
                  FileModifiedEvent(str(root / "out" / "state" / FAST / "ada.json"))):
        changes.on_any_event(event)
    time.sleep(0.05)
    assert not changes.settled(0.0)
    changes.on_any_event(FileModifiedEvent(str(root / "ada" / FAST / "a.ipynb")))
    assert not changes.settled(0.3)  # still being written, as far as anyone can tell
    time.sleep(0.35)
    assert changes.settled(0.3)
    assert not changes.settled(0.3)  # handled once


def test_watch_command_refuses_a_missing_folder(tmp_path, capsys):
    """Does `make watch` on a folder that does not exist stop at once and say so?"""
    assert watch.main(["--submissions", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 1
    assert f"watch failed: submissions folder {tmp_path / 'nowhere'} does not exist" in capsys.readouterr().err


def test_a_round_that_fails_does_not_stop_the_watcher(tmp_path, monkeypatch):
    """When a round fails on something unforeseen, does the watcher say so, keep the trace in its log and
    go on watching, as a batch goes on past a failed submission?"""
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(watch.grade, "grade", broken)
    said = []
    (tmp_path / "submissions").mkdir()
    watcher = Watcher(tmp_path / "submissions", tmp_path / "out", workers=1, echo=said.append)
    watcher.grade_round()
    assert said and "waiting: the last round failed (RuntimeError: disk full" in said[0]
    assert "RuntimeError: disk full" in (tmp_path / "out" / "logs" / "watch.log").read_text()
