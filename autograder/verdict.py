"""Hidden verdicts decided outside the student's kernel: no answer can change its own grade.

While grading, the kernel runs the notebook with the visible part of each test cell only (so that the
feedback shows what the student saw). Then, before the kernel is stopped, ``judge`` replays the
source notebook here, in the grading worker, where no student code runs: the set-up, helper and data
cells run here, with this process's own NumPy, Keras and ``checks``; each answer cell is replaced by
the student's values of the names that the reference answer binds, taken from the kernel through
remote.py (plain data by value, functions and objects as ``Remote``); every test cell — visible and
hidden part — runs here and its outcome is the verdict. ``ApplyVerdicts`` then makes each test cell's
outputs say the verdict (an error output when it failed), so that nbgrader's gradebook, every export
and the feedback page carry it and nothing the kernel printed can earn points.
"""

import ast
import builtins
import contextlib
import io
import re
import sys
import time
from dataclasses import dataclass

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder import guard
from autograder.remote import KernelLost, Session

HIDDEN_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) HIDDEN TESTS[ \t]*$", re.M)
HIDDEN_PART = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*$", re.M)
KERNEL_LOST = ("The kernel died or stopped answering while the grader checked this cell; the grader restarted"
               " it, re-ran the cells above and went on.")
TIMED_OUT = "This test ran past the time limit in your kernel, so it was not run again: it scores 0."
NOT_JUDGED = "Not judged: the kernel died too often while the grader checked the cells above."


@dataclass
class Verdict:
    passed: bool
    ename: str = ""
    evalue: str = ""


def visible_part(source: str) -> str:
    """A test cell without its hidden tests: what the student's kernel runs."""
    return HIDDEN_PART.sub("", source)


def whole_test(source: str) -> str:
    """A test cell with its hidden tests, the markers removed: what the verdict runs."""
    return HIDDEN_MARKERS.sub("", source)


def answer_names(source_nb) -> dict[str, list[str]]:
    """For each answer cell of the source notebook, the names its reference answer binds at top level."""
    names = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            tree = ast.parse(SOLUTION_MARKERS.sub("", cell.source))
            names[meta["grade_id"]] = sorted(guard.bound_names(tree))
    return names


def seed_hooks():
    """The list that course_helpers.runtime.seed_everything calls besides seeding this process."""
    from course_helpers import runtime

    return runtime.seed_hooks


class Replay:
    """The source notebook run here, with the student's answers bound from the kernel."""

    def __init__(self, session: Session, cell_timeout: float, recover):
        import matplotlib

        matplotlib.use("Agg")  # this process draws nothing that anyone sees
        self.session = session
        self.cell_timeout = cell_timeout
        self.recover = recover  # () -> a new Link after restarting the kernel, or None when it may not
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self.given_up = False

    def run(self, source: str, name: str) -> None:
        """Run ``source`` here; its output is not kept (the kernel's is shown to the student)."""
        import matplotlib.pyplot as plt

        self.session.link.deadline = time.monotonic() + self.cell_timeout
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                exec(compile(source, f"<{name}>", "exec"), self.namespace)  # the instructor's own cell
        finally:
            plt.close("all")

    def bind(self, names: list[str]) -> None:
        self.session.link.deadline = time.monotonic() + self.cell_timeout
        for name in names:
            self.namespace.pop(name, None)
            try:
                self.namespace[name] = self.session.name(name)
            except NameError:
                continue  # not answered: a test that needs it fails with NameError

    def restart(self) -> None:
        link = None if self.given_up else self.recover()
        if link is None:
            self.given_up = True
        else:
            self.session.link = link

    def test(self, source: str, grade_id: str) -> Verdict:
        if self.given_up:
            return Verdict(False, "NotRun", NOT_JUDGED)
        try:
            self.run(whole_test(source), grade_id)
        except KernelLost:
            self.restart()
            return Verdict(False, "DeadKernelError", KERNEL_LOST)
        except Exception as error:  # noqa: BLE001 — any failure of the test is the student's verdict
            return Verdict(False, type(error).__name__, str(error))
        return Verdict(True)


def judge(nb, source_nb, session: Session, cell_timeout: float, is_skipped, recover,
          timed_out: frozenset = frozenset()) -> dict[str, Verdict]:
    """Replay ``nb`` (the graded notebook: the release with the student's answers and the full tests)
    here, and return the verdict of each test cell by grade id. A test cell in ``timed_out`` already ran
    past the time limit in the kernel: it fails without a second wait."""
    names = answer_names(source_nb)
    replay = Replay(session, cell_timeout, recover)
    verdicts: dict[str, Verdict] = {}
    hooks = seed_hooks()

    def seed_kernel(seed):
        if not replay.given_up:
            replay.session.link.seed(seed)

    hooks.append(seed_kernel)
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            meta = cell.metadata.get("nbgrader", {})
            try:
                if meta.get("grade") and meta["grade_id"] in timed_out:
                    verdicts[meta["grade_id"]] = Verdict(False, "CellTimeoutError", TIMED_OUT)
                elif meta.get("grade"):
                    verdicts[meta["grade_id"]] = replay.test(cell.source, meta["grade_id"])
                elif meta.get("solution"):
                    if not replay.given_up:
                        replay.bind(names.get(meta["grade_id"], []))
                elif not is_skipped(cell):
                    replay.run(cell.source, f"cell {index}")
            except KernelLost:
                replay.restart()
            except Exception:  # noqa: BLE001 — a failing non-test cell fails here as it did in the kernel
                continue
    finally:
        hooks.remove(seed_kernel)
        reset_keras()
    return verdicts


def reset_keras() -> None:
    """Leave Keras as a fresh process has it, for the next notebook this worker judges."""
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session()
        keras.config.set_floatx("float32")
        keras.mixed_precision.set_global_policy("float32")


def text_of(output) -> str:
    """The text a non-error output shows."""
    if output.output_type == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    return data.get("text/plain", "") + ("\n" if data.get("text/plain") else "")


class ApplyVerdicts(NbGraderPreprocessor):
    """Make each test cell's outputs carry its verdict (``resources["verdicts"]``, from the grading
    kernel's run): an error output with the verdict's message when it failed, none when it passed.
    What the kernel printed stays visible as text, but cannot score: its errors, standard error and
    results (nbgrader would read a number as partial credit) become plain text."""

    def preprocess(self, nb, resources):
        verdicts = resources.get("verdicts")
        if verdicts is None:
            return nb, resources
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade"):
                cell.outputs = self.outputs(cell.outputs, verdicts.get(meta["grade_id"]))
        return nb, resources

    @staticmethod
    def outputs(kernel_outputs, verdict: Verdict | None) -> list:
        shown, noted = [], []
        for output in kernel_outputs:
            if output.output_type == "error":
                noted.append(f"{output.ename}: {output.evalue}")
            elif output.output_type == "display_data":
                shown.append(output)
            elif text := text_of(output):
                shown.append(NotebookNode(output_type="stream", name="stdout", text=text))
        if verdict is not None and verdict.passed and noted:
            shown.append(NotebookNode(output_type="stream", name="stdout", text="".join(
                f"(in your kernel: {note}; the grader's own run of this test passed)\n" for note in noted)))
        if verdict is None:
            verdict = Verdict(False, "NotJudged", "The grader could not check this cell.")
        if not verdict.passed:
            shown.append(NotebookNode(output_type="error", ename=verdict.ename, evalue=verdict.evalue,
                                      traceback=[f"{verdict.ename}: {verdict.evalue}"]))
        return shown
