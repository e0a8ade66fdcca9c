"""Autograde one submission anywhere: in a local worker process or on a Dask worker of another machine.

A job carries plain data only — the rebuilt submission, the assignment's source notebook and the
released gradebook — so the machine that runs it needs nothing but the course files (this
repository and its environment). The job is graded by nbgrader's own Autograde, in this process
(no nbgrader process per submission), in a private course folder that is deleted afterwards; the
kernel runs in the sandbox (sandbox.py) under a user id that no other running kernel holds. The
result is plain data too: the autograded notebook and the scores, which the one process that owns
the gradebook imports (gradebook.py), so parallel workers never write the same gradebook.
"""

import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder import course, sandbox


@dataclass(frozen=True)
class Job:
    assignment: str
    student: str
    submission: str  # the rebuilt notebook, as text
    source: str  # the assignment's source notebook (with hidden tests), as text
    gradebook: bytes  # the gradebook right after the release: assignments, cells, points
    use_sandbox: bool = True
    hidden: tuple[str, ...] = ()  # more folders of the grading machine to hide from the kernel
    judge_outside: bool = True  # False only to show, in a test, what judging inside the kernel would give


@dataclass
class Result:
    assignment: str
    student: str
    ok: bool
    seconds: float
    notebook: str = ""  # the autograded notebook, as text
    feedback: str = ""  # the feedback page (HTML, hidden tests removed)
    grades: dict[str, dict] = field(default_factory=dict)  # grade cell -> auto_score, needs_manual_grade
    comments: dict[str, str] = field(default_factory=dict)  # solution cell -> auto_comment
    flagged: bool = False
    log: str = ""
    error: str = ""
    host: str = ""


# A worker's kernel shares the machine with the other workers' (one per core): one compute thread each.
SINGLE_THREADED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "TF_NUM_INTRAOP_THREADS": "1"}


def prepare_process() -> None:
    """Environment of a grading process, once: what every nbgrader run of the course gets."""
    os.environ.update({key: value for key, value in course.nbgrader_env().items() if key != "PYTEST_CURRENT_TEST"})
    os.environ.update(SINGLE_THREADED)
    os.environ.pop("PYTEST_CURRENT_TEST", None)


def grade_one(job: Job) -> Result:
    """Autograde ``job`` in a private course folder; never raises (a failure is a Result with ok=False)."""
    prepare_process()
    start = time.perf_counter()
    result = Result(job.assignment, job.student, ok=False, seconds=0.0, host=os.uname().nodename)
    root = Path(tempfile.mkdtemp(prefix="grade-"))
    try:
        with sandbox.claimed_uid() as uid, kernel_stderr_into(root / "stderr.log") as stderr_log:
            try:
                _grade_in(root, job, result, uid)
            finally:
                result.log += stderr_log.read_text(errors="replace")[-20000:] if stderr_log.exists() else ""
    except Exception as error:  # reported, never lost: the batch goes on
        result.error = f"{type(error).__name__}: {error}"
    finally:
        shutil.rmtree(root, ignore_errors=True)
        result.seconds = time.perf_counter() - start
    return result


@contextlib.contextmanager
def kernel_stderr_into(path: Path):
    """Send this process's standard error (which kernels inherit: TensorFlow's start-up lines) to ``path``."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("w") as handle:
        os.dup2(handle.fileno(), 2)
        try:
            yield path
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _grade_in(root: Path, job: Job, result: Result, uid: int) -> None:
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    assignment, student = job.assignment, job.student
    course.write_course_config(root)
    (root / "gradebook.db").write_bytes(job.gradebook)
    (root / "source" / assignment).mkdir(parents=True)
    (root / "source" / assignment / f"{assignment}.ipynb").write_text(job.source)
    (root / "submitted" / student / assignment).mkdir(parents=True)
    (root / "submitted" / student / assignment / f"{assignment}.ipynb").write_text(job.submission)
    scratch = root / "autograded" / student / assignment
    scratch.mkdir(parents=True)

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.ResilientExecute.source_notebook = str(root / "source" / assignment / f"{assignment}.ipynb")
    config.ResilientExecute.judge_outside = job.judge_outside
    runtime = None
    saved_env = {key: os.environ.get(key) for key in ("JUPYTER_PATH", "JUPYTER_RUNTIME_DIR")}
    try:
        if job.use_sandbox:
            hidden = [course.REPO, root, *(Path(p) for p in job.hidden if Path(p).exists())]
            env, overrides, runtime = sandbox.prepare(root / "jobs", scratch, hidden, uid)
            os.environ.update(env)
            for name, value in overrides.items():
                section, key = name.split(".")
                setattr(getattr(config, section), key, value)
        coursedir = CourseDirectory(config=config)
        api = NbGraderAPI(coursedir=coursedir, config=config)
        with contextlib.redirect_stderr(io.StringIO()):
            outcome = api.autograde(assignment, student, force=True, create=True)
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if runtime is not None:
            shutil.rmtree(runtime, ignore_errors=True)
        logging.getLogger("traitlets").handlers.clear()
    result.log = outcome.get("log", "") or ""
    graded = scratch / f"{assignment}.ipynb"
    if not outcome.get("success") or not graded.exists():
        result.error = (outcome.get("error") or result.log or "autograde failed").strip().splitlines()[-1]
        return
    result.notebook = graded.read_text()
    page = root / "feedback" / student / assignment / f"{assignment}.html"
    with contextlib.redirect_stderr(io.StringIO()):
        api.generate_feedback(assignment, student, force=True)
    result.feedback = page.read_text() if page.exists() else ""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        result.grades = {g.name: {"auto_score": g.auto_score, "needs_manual_grade": g.needs_manual_grade}
                         for g in notebook.grades}
        result.comments = {c.name: c.auto_comment for c in notebook.comments}
        result.flagged = bool(notebook.flagged)
    result.ok = True
