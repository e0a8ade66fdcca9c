"""Grades beyond nbgrader's CSV: one row per test, and Gradescope's results.json per submission."""

import csv
import json
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder import feedback


def write_grades_csv(out: Path, path: Path) -> None:
    """nbgrader's own CSV export of the gradebook (what `nbgrader export` writes), in this process."""
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        CsvExportPlugin(to=str(path)).export(gradebook)


def per_question_rows(out: Path, found: dict[str, list[str]]) -> list[dict]:
    rows = []
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        for assignment, students in sorted(found.items()):
            for student in sorted(students):
                try:
                    submission = gradebook.find_submission_notebook(assignment, assignment, student)
                except MissingEntry:
                    continue
                notebook = out / "autograded" / student / assignment / f"{assignment}.ipynb"
                messages = feedback.test_messages(nbformat.read(notebook, as_version=4)) if notebook.exists() else {}
                for grade in sorted(submission.grades, key=lambda g: g.name):
                    rows.append({"student_id": student, "assignment": assignment, "test": grade.name,
                                 "score": grade.score, "max_score": grade.max_score,
                                 "message": messages.get(grade.name, "")})
    return rows


def write_per_question_csv(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student_id", "assignment", "test", "score", "max_score",
                                                    "message"])
        writer.writeheader()
        writer.writerows(rows)


def write_gradescope(rows: list[dict], out: Path, problems: dict[tuple[str, str], list[str]]) -> None:
    """OUT/gradescope/<student>/<assignment>/results.json in Gradescope's autograder format."""
    by_submission: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        by_submission.setdefault((row["student_id"], row["assignment"]), []).append(row)
    for (student, assignment), tests in by_submission.items():
        notes = problems.get((student, assignment), [])
        results = {
            "score": sum(t["score"] for t in tests),
            "output": "\n".join(notes),
            "tests": [{"name": t["test"], "score": t["score"], "max_score": t["max_score"],
                       "status": "passed" if t["score"] == t["max_score"] else "failed",
                       "output": t["message"]} for t in tests],
        }
        path = out / "gradescope" / student / assignment / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1))
