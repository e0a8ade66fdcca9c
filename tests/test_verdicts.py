"""Verdicts decided outside the student's kernel: what the kernel shows cannot earn points."""

import shutil

import nbformat
import pytest
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade

from autograder import course, grade, samples, verdict

TEST_CELL = "x = 1\nassert x == 1\n### BEGIN HIDDEN TESTS\nassert x + 1 == 2\n### END HIDDEN TESTS\nprint('done')\n"


def test_the_kernel_runs_the_visible_part_and_the_verdict_the_whole_cell():
    """Does the kernel get the test cell without its hidden tests, and the verdict all of it?"""
    assert verdict.visible_part(TEST_CELL) == "x = 1\nassert x == 1\nprint('done')\n"
    assert verdict.whole_test(TEST_CELL) == "x = 1\nassert x == 1\n\nassert x + 1 == 2\n\nprint('done')\n"


def test_answer_names_are_the_names_the_reference_binds():
    """Are the names bound from the kernel exactly those the reference answer defines at top level?"""
    source = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import math\n### BEGIN SOLUTION\ndef f(x):\n    y = 2\n    return x\nclass V:\n    pass\nanswer_q1 = 'b'\n"
        "### END SOLUTION", metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "a"}})])
    assert verdict.answer_names(source) == {"a": ["V", "answer_q1", "f"]}


def graded_cell(outputs, points=2):
    return NotebookNode(cell_type="code", source="", outputs=outputs, metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "test_x", "points": points, "locked": True}})


@pytest.mark.parametrize("kernel_outputs", [
    [],
    [NotebookNode(output_type="execute_result", data={"text/plain": "2"}, metadata={}, execution_count=1)],
    [NotebookNode(output_type="stream", name="stdout", text="all tests passed\n")],
], ids=["nothing", "a number nbgrader would read as points", "a message"])
def test_a_failed_verdict_scores_zero_whatever_the_kernel_showed(kernel_outputs):
    """Does a test cell score 0 when its verdict failed, even if the kernel's own run looked passed?"""
    cell = graded_cell(kernel_outputs)
    cell.outputs = verdict.ApplyVerdicts.outputs(cell.outputs, verdict.Verdict(False, "AssertionError", "off by 2"))
    assert determine_grade(cell) == (0, 2)
    assert cell.outputs[-1].output_type == "error" and cell.outputs[-1].evalue == "off by 2"


def test_a_passed_verdict_scores_full_whatever_the_kernel_printed():
    """Do the kernel's standard error, a result that looks like partial credit and an error in its visible
    run leave a passed verdict its full points, and stay visible as text?"""
    cell = graded_cell([NotebookNode(output_type="stream", name="stderr", text="a warning\n"),
                        NotebookNode(output_type="execute_result", data={"text/plain": "0.5"}, metadata={},
                                     execution_count=1),
                        NotebookNode(output_type="error", ename="AssertionError", evalue="faked", traceback=[])])
    cell.outputs = verdict.ApplyVerdicts.outputs(cell.outputs, verdict.Verdict(True))
    assert determine_grade(cell) == (2, 2)
    text = "".join(o.text for o in cell.outputs)
    assert "a warning" in text and "0.5" in text and "AssertionError: faked" in text


def test_a_test_cell_without_a_verdict_scores_zero():
    """Is a test cell the grader could not judge (its verdict missing) given no points?"""
    cell = graded_cell([NotebookNode(output_type="stream", name="stdout", text="looks fine\n")])
    cell.outputs = verdict.ApplyVerdicts.outputs(cell.outputs, None)
    assert determine_grade(cell) == (0, 2)


def test_an_attack_fixture_would_fool_a_kernel_that_judged_itself(tmp_path):
    """Would a blank notebook that hooks IPython's exception handling earn full marks if the kernel decided its
    own grade, as stock nbgrader lets it? (Judged outside, it scores zero: test_grading checks every spec.)"""
    student, assignment = "tampers-with-exception-handling", "04_loss_functions"
    sample = next(s for s in samples.all_samples([assignment]) if s.student == student)
    assert sample.expected == 0
    submissions = tmp_path / "submissions"
    shutil.copytree(course.SAMPLES / student / assignment, submissions / student / assignment)
    grade.grade(submissions, tmp_path / "out", workers=1, progress=False, judge_outside=False)
    with Gradebook(f"sqlite:///{tmp_path / 'out' / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        assert submission.score == submission.max_score > 0
