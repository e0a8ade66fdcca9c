"""Binder builds the course from environment.yml and postBuild: environment.yml's pip part, installed into
a fresh environment, runs the heaviest notebook in quick mode within the course's memory budget (Binder
gives 2 GB in all), and postBuild puts the course's JupyterLab settings where JupyterLab reads them."""

import os
import re
import subprocess
import sys

import yaml

from autograder import course

HEAVIEST = course.SOLUTIONS / "08_capstone" / "08_capstone.ipynb"
KERNEL_BUDGET_MB = 1000  # leaves Binder's other GB to JupyterLab and the notebook server


def binder_environment() -> tuple[str, list[str]]:
    spec = yaml.safe_load((course.REPO / "environment.yml").read_text())
    python = next(item for item in spec["dependencies"] if isinstance(item, str) and item.startswith("python="))
    pip_part = next(item["pip"] for item in spec["dependencies"] if isinstance(item, dict) and "pip" in item)
    return python.removeprefix("python="), pip_part


def test_environment_yml_installs_a_course_that_runs_within_binders_memory(tmp_path):
    python_version, pip_part = binder_environment()
    assert python_version == f"{sys.version_info.major}.{sys.version_info.minor}", \
        "this test stands in for Binder with this machine's Python, which must be environment.yml's"
    venv = tmp_path / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    environment["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    requirements = tmp_path / "requirements.txt"  # what conda hands pip for environment.yml's pip part
    requirements.write_text("\n".join(pip_part) + "\n")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements],
                   cwd=course.REPO, env=environment, check=True)

    subprocess.run(["bash", course.REPO / "postBuild"], cwd=course.REPO, env=environment, check=True)
    settings = venv / "share" / "jupyter" / "lab" / "settings"
    for name in ("overrides.json", "page_config.json"):
        assert (settings / name).read_text() == (course.REPO / "jupyterlab-settings" / name).read_text()

    run = subprocess.run([python, course.REPO / "benchmarks" / "run_notebooks.py", "--repeat", "1", HEAVIEST],
                         cwd=course.REPO, env=environment, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    row = re.search(r"\| 08_capstone \| quick \| ([\d.]+) \| ([\d.]+) \| (\d+) \|", run.stdout)
    assert row, run.stdout
    assert int(row.group(3)) <= KERNEL_BUDGET_MB, f"peak {row.group(3)} MB in quick mode"
