"""Grading the sample submissions through the real nbgrader pipeline and a real gradebook."""

import csv
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import course, samples

ALL = samples.all_samples()


@pytest.mark.parametrize("sample", ALL, ids=lambda s: f"{s.assignment}/{s.student}")
def test_sample_earns_exactly_its_expected_scores(graded, sample):
    """Does each sample pass and fail exactly the tests its spec says?"""
    expected = sample.expected_scores(samples.test_points(sample.assignment))
    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(sample.assignment, sample.assignment, sample.student)
        scores = {g.name: g.score for g in submission.grades}
    assert scores == expected, f"{sample.student}: {sample.why}"


def test_grades_csv_gives_reference_full_and_blank_zero(graded):
    """Does nbgrader's export give the reference full marks and the blank zero?"""
    with open(graded / "grades.csv") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["student_id"] == "reference":
            assert float(row["score"]) == float(row["max_score"]) > 0, row
        if row["student_id"] == "blank":
            assert float(row["score"]) == 0.0, row
    assert {r["student_id"] for r in rows} >= {"reference", "blank"}


def test_every_submission_gets_feedback(graded):
    """Is there a feedback page for every graded submission?"""
    for sample in ALL:
        page = graded / "feedback" / sample.student / sample.assignment / f"{sample.assignment}.html"
        assert page.is_file(), page


@pytest.mark.parametrize("assignment", course.assignments())
def test_reference_runs_top_to_bottom_without_errors(graded, assignment):
    """Does the reference notebook execute in quick mode with no error anywhere, also in the visible checks that
    its kernel ran (their errors stay on the page as text when the verdict passed)?"""
    path = graded / "autograded" / "reference" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"cell {cell.get('id')}: {errors[0].ename}: {errors[0].evalue}"
        if cell.metadata.get("nbgrader", {}).get("grade"):
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert "(in your kernel:" not in text, f"{cell.metadata.nbgrader['grade_id']}: {text}"


def test_student_validate_passes_on_the_reference_with_plain_tensorflow(tmp_path):
    """Does `nbgrader validate`, as a student runs it, pass every reference (no TensorFlow log line in a
    graded cell, although TF_CPP_MIN_LOG_LEVEL is not set outside the notebook)?"""
    env = course.nbgrader_env()
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    nbgrader = Path(sys.executable).parent / "nbgrader"

    def validate(assignment):
        notebook = course.SAMPLES / "reference" / assignment / f"{assignment}.ipynb"
        result = subprocess.run([str(nbgrader), "validate", str(notebook)], cwd=tmp_path, env=env,
                                capture_output=True, text=True, check=False)
        return assignment, result.stdout

    with ThreadPoolExecutor(max_workers=2) as pool:
        for assignment, output in pool.map(validate, course.assignments()):
            assert "Success! Your notebook passes all the tests." in output, (assignment, output[-3000:])


def test_feedback_exporter_writes_the_page_nbconvert_writes():
    """Is a page of the faster feedback exporter nbconvert's own page (the same document once parsed), with
    every image described, also images in outputs and in a cell's HTML?"""
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from autograder.feedback import FeedbackExporter

    nb = new_notebook(cells=[
        new_markdown_cell('A figure <img src="a.png"> and ![a plot](b.png) and <IMG\nsrc="c.png" alt="">.'),
        new_code_cell("plot()", outputs=[
            new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
                       metadata={"image/png": {"width": 20}}),
            new_output("display_data", data={"image/svg+xml": "<svg></svg>"})])])
    theirs, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    ours, _ = FeedbackExporter(template_name="classic").from_notebook_node(nb)
    assert str(BeautifulSoup(ours, "html.parser")) == str(BeautifulSoup(theirs, "html.parser"))
    assert ours.count("No description has been provided for this image") == 3


def test_ignore_pattern_drops_tensorflow_and_warning_lines_only():
    """Does the configured pattern match TensorFlow's C++ lines and Python warnings, but not a traceback?"""
    namespace = {"get_config": lambda: _Config()}
    exec(course.BASE_CONFIG.read_text(), namespace)
    pattern = namespace["c"].IgnorePattern.pattern
    assert re.search(pattern, "E0000 00:00:1732 cuda_platform.cc:51] failed call to cuInit: UNKNOWN ERROR\n")
    assert re.search(pattern, "WARNING: All log messages before absl::InitializeLog() is called ...\n")
    assert re.search(pattern, "/tmp/ipykernel_1/123.py:3: RuntimeWarning: overflow encountered in exp\n")
    assert not re.search(pattern, "Traceback (most recent call last):\n  File ...\nValueError: bad\n")
    assert not re.search(pattern, "some text the student printed to stderr\n")


class _Config:
    """Just enough of traitlets' config object to read nbgrader_config.py."""

    def __getattr__(self, name):
        value = _Section()
        object.__setattr__(self, name, value)
        return value


class _Section:
    pass
