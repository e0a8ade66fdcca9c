"""The one gradebook of a grading batch: results graded elsewhere are written into it here, by one process.

Workers (worker.py) grade in private copies and send back plain results; only the process that owns
OUT writes OUT/gradebook.db and OUT/autograded/, so no grade is lost or written twice, however many
workers or machines grade at once.
"""

import warnings
from pathlib import Path

from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from autograder.worker import Result


def import_result(out: Path, result: Result) -> None:
    """Store a successful result: the autograded notebook and every score and comment."""
    folder = out / "autograded" / result.student / result.assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{result.assignment}.ipynb").write_text(result.notebook)
    if result.feedback:
        page = out / "feedback" / result.student / result.assignment / f"{result.assignment}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(result.feedback)
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush notes on a new submission
        gradebook.update_or_create_student(result.student)
        gradebook.update_or_create_submission(result.assignment, result.student)
        notebook_id = result.assignment
        for name, values in result.grades.items():
            grade = gradebook.find_grade(name, notebook_id, result.assignment, result.student)
            grade.auto_score = values["auto_score"]
            grade.needs_manual_grade = values["needs_manual_grade"]
        for name, text in result.comments.items():
            gradebook.find_comment(name, notebook_id, result.assignment, result.student).auto_comment = text
        gradebook.find_submission_notebook(notebook_id, result.assignment, result.student).flagged = result.flagged
        gradebook.db.commit()


def forget(out: Path, assignment: str, student: str) -> None:
    """Remove a submission's grades (before it is graded again, or when its grading failed)."""
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        try:
            gradebook.remove_submission(assignment, student)
        except Exception:  # noqa: BLE001 — nothing to remove
            gradebook.db.rollback()
