"""nbgrader's Execute, made to survive a kernel that dies, so that a crash costs only the cell it hit.

Stock nbgrader drops the whole submission when the kernel dies (``os._exit``, a segfault, an
out-of-memory or CPU-time kill) or a cell cannot be interrupted after its time limit. Here the cell
that was running gets an error output (so its test, if it is one, scores 0), a fresh kernel is
started, the cells that had run are replayed quietly to rebuild the state, and execution goes on
with the next cell. After ``max_restarts`` deaths the
remaining cells are marked as not run.

Cells tagged ``experiment`` (figures, Keras experiments) are not run while grading: no test depends
on them (tests/test_notebooks.py checks that no later cell reads what only they bind).

With ``judge_outside`` (and the source notebook in ``source_notebook``), test cells run here with
their visible part only, and after the last cell, while the kernel still runs, verdict.py judges
every test cell outside the kernel; ``resources["verdicts"]`` carries the verdicts to ApplyVerdicts.
"""

import time
from collections import Counter
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode

from autograder import course, remote, verdict

KERNEL_DIED = ("The kernel died while this cell ran (a crash, or the memory or CPU-time limit). The grader"
               " restarted it, re-ran the cells above and went on.")
STUCK = ("This cell ran past the time limit and could not be interrupted. The grader restarted the kernel,"
         " re-ran the cells above and went on.")
NOT_RUN = "Not run: the kernel died too often in the cells above."
SKIPPED = "(not run while grading: an experiment that no test depends on)\n"


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class ResilientExecute(Execute):
    max_restarts = Integer(3, help="kernel deaths survived per notebook").tag(config=True)
    skip_tags = List(Unicode(), ["experiment"],
                     help="cells with one of these tags are not run (never a graded or answer cell)").tag(config=True)
    judge_outside = Bool(False, help="judge test cells outside the kernel (verdict.py)").tag(config=True)
    source_notebook = Unicode("", help="the assignment's source notebook, with reference answers and hidden"
                                       " tests (needed to judge outside the kernel)").tag(config=True)
    agent_timeout = Integer(60, help="seconds for the kernel to start the grader's agent").tag(config=True)

    def is_skipped(self, cell) -> bool:
        nbgrader = cell.metadata.get("nbgrader", {})
        return (cell.cell_type == "code" and not nbgrader.get("grade") and not nbgrader.get("solution")
                and bool(set(cell.metadata.get("tags", [])) & set(self.skip_tags)))

    @staticmethod
    def kind(cell, is_first_code_cell: bool) -> str:
        """What a cell is, for the timing report: set-up (the first code cell), answer, test or other."""
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("grade"):
            return "tests"
        if nbgrader.get("solution"):
            return "answers"
        return "setup" if is_first_code_cell else "other cells"

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        source_notebook = self.source_notebook or self._source_in_the_repository(resources)
        outside = self.judge_outside and bool(source_notebook)
        ran: list[str] = []
        timed_out: set[str] = set()  # test cells that ran past the time limit: not run again for the verdict
        restarts = 0
        seconds: Counter[str] = Counter()
        started = time.perf_counter()
        with self.setup_kernel():
            info_msg = self.wait_for_reply(self.kc.kernel_info())
            seconds["kernel start"] = time.perf_counter() - started
            self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                if restarts > self.max_restarts:
                    if cell.cell_type == "code":
                        cell.outputs = [error_output("NotRun", NOT_RUN)]
                    continue
                if self.is_skipped(cell):
                    cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=SKIPPED)]
                    continue
                cell_started = time.perf_counter()
                source = cell.source
                if outside and cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                    cell.source = verdict.visible_part(source)
                try:
                    self.preprocess_cell(cell, resources, index)
                    seconds[self.kind(cell, not ran)] += time.perf_counter() - cell_started
                except (DeadKernelError, CellTimeoutError) as error:
                    if isinstance(error, DeadKernelError):
                        cell.outputs.append(error_output("DeadKernelError", KERNEL_DIED))
                    else:
                        cell.outputs.append(error_output("CellTimeoutError", STUCK))
                    restarts += 1
                    while restarts <= self.max_restarts and not self._restart_and_replay(ran):
                        restarts += 1
                    continue
                finally:
                    executed, cell.source = cell.source, source
                    if time.perf_counter() - cell_started >= self.timeout:  # interrupted at the time limit, or stuck
                        timed_out.add(cell.metadata.get("nbgrader", {}).get("grade_id"))
                if cell.cell_type == "code":
                    ran.append(executed)
            if outside:
                judging_started = time.perf_counter()
                resources["verdicts"] = self._judge(source_notebook, ran, restarts, timed_out)
                seconds["verdicts"] = time.perf_counter() - judging_started
        self.set_widgets_metadata()
        self.log.info("Timing: %s", ", ".join(f"{kind} {value:.2f} s" for kind, value in seconds.items()))
        return self.nb, self.resources

    @staticmethod
    def _source_in_the_repository(resources) -> str:
        """The source notebook in solutions/, for nbgrader's own autograde (the formgrader of `make lab`)."""
        info = (resources or {}).get("nbgrader", {})
        path = course.SOLUTIONS / str(info.get("assignment", "")) / f"{info.get('notebook', '')}.ipynb"
        return str(path) if info.get("assignment") and path.is_file() else ""

    def _judge(self, source_notebook: str, ran: list[str], restarts: int, timed_out: set[str]) -> dict:
        """Every test cell's verdict, decided outside the kernel (verdict.py), while the kernel still runs."""
        source_nb = nbformat.read(source_notebook, as_version=4)
        deaths = [restarts]

        def start() -> remote.Link:
            return remote.start_agent(lambda code: self.kc.execute(code, silent=True, store_history=False,
                                                                   allow_stdin=False, stop_on_error=False),
                                      Path(self.km.connection_file).parent, self.agent_timeout,
                                      interrupt=run_sync(self.km.interrupt_kernel))

        def recover() -> remote.Link | None:
            deaths[0] += 1
            while deaths[0] <= self.max_restarts:
                if self._restart_and_replay(ran):
                    try:
                        return start()
                    except remote.KernelLost:
                        pass
                deaths[0] += 1
            return None

        try:
            session = remote.Session(start())
        except remote.KernelLost:
            link = recover()
            if link is None:
                return {}
            session = remote.Session(link)
        try:
            return verdict.judge(self.nb, source_nb, session, self.timeout, self.is_skipped, recover, timed_out)
        finally:
            session.link.close()

    def _restart_and_replay(self, sources: list[str]) -> bool:
        """Start a fresh kernel and re-run ``sources`` without keeping outputs; False if it died again."""
        self.log.warning("Kernel died; restarting it and replaying %d cells", len(sources))
        try:
            self.kc.stop_channels()
        except Exception:  # the channels of a dead kernel may already be closed
            pass
        run_sync(self.km.restart_kernel)(now=True)
        run_sync(self.async_start_new_kernel_client)()
        try:
            for source in sources:
                run_sync(self.kc.execute_interactive)(source, store_history=False, timeout=self.timeout,
                                                      output_hook=lambda message: None)
        except Exception as error:  # the replay died or hung: count it as one more death
            self.log.warning("Replay failed: %s", error)
            return False
        return True
