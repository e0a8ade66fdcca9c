"""Where things are, and how nbgrader is run: one place for paths and the nbgrader command line."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
NOTEBOOKS = REPO / "notebooks"
SAMPLES = REPO / "autograder" / "samples"
SAMPLE_SPECS = REPO / "autograder" / "sample_specs"
BASE_CONFIG = REPO / "nbgrader_config.py"


class GradingError(RuntimeError):
    """A problem the instructor must fix (bad input, a failed nbgrader step); the message says what."""


def assignments() -> list[str]:
    """The assignments in solutions/: folders holding a notebook of the same name."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())


def nbgrader_env() -> dict[str, str]:
    """The environment of every nbgrader run: quick mode, the venv's bin on PATH (nbgrader runs
    `alembic` by name), and without pytest's PYTEST_CURRENT_TEST, which makes ipykernel stop
    capturing C-level stderr that a real grading run would see and score."""
    env = dict(os.environ)
    env.pop("PYTEST_CURRENT_TEST", None)
    env["COURSE_MODE"] = "quick"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_nbgrader(args: list[str], cwd: Path, log: Path | None = None, extra_env: dict | None = None) -> str:
    """Run `nbgrader ARGS` in course folder ``cwd``; return its log, raise GradingError if it fails."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    env = {**nbgrader_env(), **(extra_env or {})}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as handle:
            handle.write(f"$ nbgrader {' '.join(args)}\n{output}\n")
    if result.returncode != 0:
        tail = "\n".join(output.splitlines()[-30:])
        raise GradingError(f"`nbgrader {' '.join(args)}` failed (exit {result.returncode}):\n{tail}")
    return output


def write_course_config(course_dir: Path) -> None:
    """An nbgrader_config.py for a course folder outside the repo: the repo's settings, its own paths."""
    course_dir = course_dir.resolve()
    (course_dir / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(BASE_CONFIG)!r})  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(course_dir)!r}\n"
        'c.CourseDirectory.source_directory = "source"\n'
        'c.CourseDirectory.release_directory = "release"\n'
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(course_dir / 'gradebook.db')!r}\n"
    )


@contextlib.contextmanager
def nbgrader_environment():
    """Run nbgrader in this process with the environment `run_nbgrader` gives its processes."""
    saved = dict(os.environ)
    os.environ.update(nbgrader_env())
    os.environ.pop("PYTEST_CURRENT_TEST", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_nbgrader_api(course_dir: Path, command: str, assignment_ids: list[str], log: Path) -> None:
    """Run an nbgrader step (``generate_assignment``, ``generate_feedback``) for several assignments in
    this process — one nbgrader start instead of one per assignment; raise GradingError if one fails."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    log.parent.mkdir(parents=True, exist_ok=True)
    with nbgrader_environment(), log.open("a") as handle:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        for assignment in assignment_ids:
            outcome = getattr(api, command)(assignment, force=True)
            handle.write(f"$ nbgrader {command} {assignment}\n{outcome.get('log', '')}\n{outcome.get('error', '')}\n")
            if not outcome.get("success"):
                error = (outcome.get("error") or outcome.get("log") or "").strip().splitlines()
                raise GradingError(f"nbgrader {command} {assignment} failed: {error[-1] if error else 'no reason'}"
                                   f" (log: {log})")
