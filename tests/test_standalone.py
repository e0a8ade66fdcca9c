"""A notebook opened alone (Colab, a download) fetches the course itself and runs.

Each notebook is copied alone into an empty folder and run in a fresh virtual environment that has
the course's packages but not the course (no `course_helpers`, no `data/`), with HOME empty and
COURSE_REPOSITORY pointing at a local git repository made from this working tree — standing in for
the GitHub address that the Setup cell clones on Colab. Nothing is downloaded.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import nbformat
import pytest

from autograder import course

RUNNER = textwrap.dedent("""
    import json, sys
    import nbformat
    from nbclient import NotebookClient
    path, allow_errors = sys.argv[1], sys.argv[2] == "1"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, kernel_name="python3", timeout=300, allow_errors=allow_errors,
                   resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}}).execute()
    nbformat.write(notebook, path)
""")


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    """(environment, python) of a fresh venv without the course, and an origin repository to clone."""
    root = tmp_path_factory.mktemp("alone")
    origin = root / "origin"
    origin.mkdir()
    for name in ("course_helpers", "data"):
        shutil.copytree(course.REPO / name, origin / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(course.REPO / "pyproject.toml", origin)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-C", str(origin)]
    subprocess.run([*git, "init", "--quiet", "--initial-branch=main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "course"], check=True)

    venv = root / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=True).stdout.strip()
    # A plain path line: the course environment's packages, without running its .pth files, one of which
    # is the editable install that would make course_helpers importable.
    Path(site_packages, "course_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    kernels = root / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        f'{{"argv": ["{python}", "-m", "ipykernel_launcher", "-f", "{{connection_file}}"],'
        ' "display_name": "Python 3", "language": "python"}')
    home = root / "home"
    home.mkdir()
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("PYTHON", "JUPYTER", "VIRTUAL_ENV", "PYTEST"))}
    environment.update(HOME=str(home), JUPYTER_PATH=str(root / "jupyter"), JUPYTER_DATA_DIR=str(root / "jupyter"),
                       COURSE_MODE="quick", COURSE_REPOSITORY=origin.as_uri(),
                       PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}")
    check = subprocess.run([python, "-c", "import importlib.util as u; print(u.find_spec('course_helpers'))"],
                           capture_output=True, text=True, env=environment, check=True, cwd=root)
    assert check.stdout.strip() == "None", "the fresh environment must not see the course"
    return environment, python, root, home


def run_alone(alone, folder: Path, assignment: str, allow_errors: bool) -> nbformat.NotebookNode:
    environment, python, root, _ = alone
    work = root / f"{folder.name}-{assignment}"
    work.mkdir()
    notebook = work / f"{assignment}.ipynb"
    shutil.copy(folder / assignment / notebook.name, notebook)
    runner = root / "run.py"
    runner.write_text(RUNNER)
    result = subprocess.run([python, runner, notebook, "1" if allow_errors else "0"], env=environment, cwd=work,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{notebook.name} did not run alone:\n{result.stderr[-3000:]}"
    return nbformat.read(notebook, as_version=4)


def errors(notebook):
    return [(cell, output) for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.output_type == "error"]


def setup_output(notebook) -> str:
    setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
    return "".join(output.get("text", "") for output in setup.outputs if output.output_type == "stream")


def test_a_solution_alone_fetches_the_course_and_runs_without_error(alone):
    """07 reads the Fashion-MNIST subset from data/: the clone brings it."""
    notebook = run_alone(alone, course.SOLUTIONS, "07_regularization", allow_errors=False)
    assert errors(notebook) == []
    assert "Fetching the course's helpers and data" in setup_output(notebook)
    assert (alone[3] / "training-deep-neural-networks" / "course_helpers" / "checks.py").is_file()


def test_a_student_notebook_alone_fails_only_at_its_stubs(alone):
    """Only answer cells (NotImplementedError) and the tests that call them fail; a notebook that finds
    the course already fetched says nothing about it."""
    fetched_before = (alone[3] / "training-deep-neural-networks").is_dir()
    notebook = run_alone(alone, course.NOTEBOOKS, "04_loss_functions", allow_errors=True)
    found = errors(notebook)
    assert any(output.ename == "NotImplementedError" for _, output in found)
    for cell, output in found:
        nbgrader = cell.metadata.get("nbgrader", {})
        is_test = nbgrader.get("grade") and not nbgrader.get("solution")
        assert output.ename == "NotImplementedError" or is_test, \
            f"{output.ename}: {output.evalue} in a cell that is neither an answer nor a test:\n{cell.source[:300]}"
    assert ("Fetching" in setup_output(notebook)) != fetched_before
