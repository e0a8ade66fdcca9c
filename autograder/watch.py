"""Grade on arrival (`make watch`): each submission graded minutes, not days, after it is handed in.

    python -m autograder.watch --submissions DIR [--out OUT] [--workers N] [--quiet SECONDS] [--sandbox on|off]

Watches DIR (nbgrader's layout, DIR/<student>/<assignment>/<assignment>.ipynb) with the ``watchdog``
library: the operating system's file events, no polling loop. Changes are debounced: grading starts
once no file under DIR has changed for ``--quiet`` seconds, so a notebook still being written (a copy,
a sync, an upload) is graded once, when complete. Each round is an ordinary `make grade` run on DIR into
OUT, so the gradebook, the feedback pages, the CSV files and the class report are all brought up to
date; it grades only what is new or changed, by grade.py's resume fingerprints (OUT/state/). A watcher
that was stopped grades, when started again, whatever arrived meanwhile, and nothing twice.

One line per graded submission goes to the screen (and OUT/logs/watch.log, with the full output of
each round):

    2026-05-04 10:31:07 graded ada/04_loss_functions: 38/38 in 11.2 s; feedback OUT/feedback/ada/...
"""

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
import traceback
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from autograder import course, grade

# Events that change what is handed in; opening or reading a file (as grading itself does) is not one.
CHANGES = {"created", "modified", "moved", "deleted", "closed"}
# Files an editor, a browser or a sync tool writes on the way to the real one.
TEMPORARY = (".part", ".crdownload", ".tmp", ".swp", "~")


class Changes(FileSystemEventHandler):
    """The time of the last change under the watched folder, for debouncing."""

    def __init__(self, root: Path, ignored: list[Path]):
        super().__init__()
        self.root = root.resolve()
        self.ignored = [path.resolve() for path in ignored]
        self.lock = threading.Lock()
        self.last: float | None = None  # monotonic time of the last relevant change, None once handled

    def relevant(self, path: str) -> bool:
        resolved = Path(path).resolve()
        if any(resolved.is_relative_to(folder) for folder in self.ignored) or not resolved.is_relative_to(self.root):
            return False
        inside = resolved.relative_to(self.root).parts  # hidden: .ipynb_checkpoints, an editor's .~lock files
        return not any(part.startswith(".") for part in inside) and not resolved.name.endswith(TEMPORARY)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGES:
            return
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        if any(path and self.relevant(str(path)) for path in paths):
            with self.lock:
                self.last = time.monotonic()

    def settled(self, quiet: float) -> bool:
        """True (once) when a change happened and nothing has changed for ``quiet`` seconds since."""
        with self.lock:
            if self.last is None or time.monotonic() - self.last < quiet:
                return False
            self.last = None
            return True


class Watcher:
    def __init__(self, submissions: Path, out: Path, workers: int | None = None, use_sandbox: bool = True,
                 quiet: float = 2.0, echo=print):
        self.submissions, self.out = submissions.resolve(), out.resolve()
        self.workers, self.use_sandbox, self.quiet, self.echo = workers, use_sandbox, quiet, echo
        self.waiting = ""

    def markers(self) -> dict[tuple[str, str], tuple[str, int]]:
        """Every finished submission's resume marker (OUT/state/), with its modification time."""
        found = {}
        for marker in (self.out / "state").glob("*/*.json"):
            with contextlib.suppress(OSError):
                found[(marker.parent.name, marker.stem)] = (marker.read_text(), marker.stat().st_mtime_ns)
        return found

    def grade_round(self) -> None:
        """Grade what is new or changed in the submissions folder, and say so, one line per submission."""
        before = self.markers()
        log = self.out / "logs" / "watch.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        problems, waiting = None, ""
        with log.open("a") as handle, contextlib.redirect_stdout(handle):
            print(f"\n=== round at {datetime.now():%Y-%m-%d %H:%M:%S}", flush=True)
            try:
                problems = grade.grade(self.submissions, self.out, self.workers, use_sandbox=self.use_sandbox,
                                       progress=False)
            except course.GradingError as error:
                print(f"not graded: {error}", flush=True)
                waiting = str(error)
            except Exception as error:  # noqa: BLE001 — a watcher outlives a failed round; the log has the trace
                traceback.print_exc(file=handle)
                waiting = f"the last round failed ({type(error).__name__}: {error}; see {log}); waiting for changes"
        if problems is None:
            if waiting != self.waiting:
                self.say(f"waiting: {waiting}")
            self.waiting = waiting
            return
        self.waiting = ""
        after = self.markers()
        graded = sorted(key for key, value in after.items() if before.get(key) != value)
        if graded:
            with Gradebook(f"sqlite:///{self.out / 'gradebook.db'}") as gradebook:
                for assignment, student in graded:
                    self.say(self.graded_line(gradebook, assignment, student, after[(assignment, student)][0],
                                              problems.get((student, assignment), [])))
        for (student, assignment), notes in sorted(problems.items()):
            for note in notes:
                if note.startswith("autograde failed"):
                    self.say(f"failed {student}/{assignment}: {note}")

    def graded_line(self, gradebook, assignment: str, student: str, marker: str, problems: list[str]) -> str:
        try:
            submission = gradebook.find_submission(assignment, student)
            score = f"{submission.score:g}/{submission.max_score:g}"
        except MissingEntry:
            score = "no score in the gradebook"
        seconds = json.loads(marker).get("seconds", 0.0)
        page = self.out / "feedback" / student / assignment / f"{assignment}.html"
        line = f"graded {student}/{assignment}: {score} in {seconds:.1f} s; feedback {page}"
        return line + (f"; {len(problems)} problem{'s' * (len(problems) > 1)}: {'; '.join(problems)}"
                       if problems else "")

    def say(self, line: str) -> None:
        self.echo(f"{datetime.now():%Y-%m-%d %H:%M:%S} {line}")

    def run(self, stop: threading.Event) -> None:
        """Grade what is there, then each change once it has settled, until ``stop`` is set."""
        if not self.submissions.is_dir():
            raise course.GradingError(f"submissions folder {self.submissions} does not exist")
        changes = Changes(self.submissions, ignored=[self.out])
        observer = Observer()
        observer.schedule(changes, str(self.submissions), recursive=True)
        observer.start()  # before the first round: what arrives while it grades is seen too
        try:
            self.say(f"watching {self.submissions} (grading into {self.out}; class report {self.out / 'report.html'})")
            self.grade_round()
            while not stop.is_set():
                if changes.settled(self.quiet):
                    self.grade_round()
                stop.wait(0.2)
        finally:
            observer.stop()
            observer.join()
            self.say("stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=course.REPO / "build" / "grade")
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    parser.add_argument("--sandbox", choices=["on", "off"], default="on")
    parser.add_argument("--quiet", type=float, default=2.0,
                        help="seconds without a change before grading starts (a file still being written)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
    watcher = Watcher(args.submissions, args.out, args.workers, args.sandbox == "on", args.quiet,
                      echo=lambda line: print(line, flush=True))
    try:
        watcher.run(stop)
    except course.GradingError as error:
        print(f"watch failed: {error}", file=sys.stderr)
        return 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
