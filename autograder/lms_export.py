"""Grades into the LMS: the CSV file that Canvas's or Moodle's gradebook import takes (`make export-lms`).

    python -m autograder.lms_export --lms canvas|moodle [--out OUT] [--roster roster.csv] [--to FILE]

Reads the gradebook of a graded course folder (OUT/gradebook.db) and writes OUT/lms/<lms>.csv, one
column per assignment, scored in its points. Students are matched to the LMS through the roster
(roster.py); every student who cannot be written, and every roster student with nothing graded, is
reported on the screen and in OUT/lms/<lms>-problems.txt, never dropped without a word.

Canvas (Grades > Import): the columns of its own gradebook export, which its importer reads
(instructure/canvas-lms, app/models/gradebook_importer.rb): ``Student``, ``ID`` (the Canvas user id,
by which a row is matched first), ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per
assignment, and a ``Points Possible`` row that gives a new assignment its points. A column whose title
is not an assignment of the course creates one; an empty cell changes nothing.

Moodle (Grades > Import > CSV file): the columns of its plain-text grade export (First name, Last name,
ID number, Email address, then the grade items). On the import page, map *Email address* to
``useremail`` (or *ID number* to ``useridnumber``) and each assignment column to a grade item or to a
new one. Moodle stops the whole import at a row whose user it cannot find, so only students with an
email or an LMS id in the roster are written; ``-`` means no grade.
"""

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import course, roster

LMS = ("canvas", "moodle")
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["First name", "Last name", "ID number", "Email address"]


@dataclass
class Grades:
    """What the gradebook holds: each assignment's points, and each student's score on each."""

    points: dict[str, float]
    scores: dict[str, dict[str, float]]  # student -> assignment -> score

    @classmethod
    def read(cls, out: Path) -> "Grades":
        database = out / "gradebook.db"
        if not database.exists():
            raise course.GradingError(f"no gradebook at {database}: grade first (make grade OUT={out})")
        with Gradebook(f"sqlite:///{database}") as gradebook:
            points = {a.name: float(a.max_score) for a in sorted(gradebook.assignments, key=lambda a: a.name)}
            scores: dict[str, dict[str, float]] = {}
            for assignment in points:
                for submission in gradebook.assignment_submissions(assignment):
                    scores.setdefault(submission.student.id, {})[assignment] = float(submission.score)
        return cls(points, scores)


@dataclass
class Export:
    path: Path
    rows: int
    problems: list[str] = field(default_factory=list)


def number(value: float) -> str:
    return f"{value:g}"


def split_name(name: str) -> tuple[str, str]:
    """First and last name of "Ada Lovelace" or "Lovelace, Ada"."""
    if "," in name:
        last, first = (part.strip() for part in name.split(",", 1))
        return first, last
    parts = name.split()
    return (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (name.strip(), "")


def matched_students(grades: Grades, class_roster: roster.Roster | None,
                     problems: list[str]) -> list[roster.Student]:
    """The students to write, in roster order (or by id without a roster); what cannot be matched is
    added to ``problems``."""
    if class_roster is None:
        return [roster.Student(student_id=s) for s in sorted(grades.scores)]
    known = class_roster.by_student_id()
    for student in sorted(set(grades.scores) - set(known)):
        problems.append(f"{student}: graded but not in {class_roster.path.name}, so not written"
                        " (add the student to the roster)")
    for student in class_roster.students:
        if student.student_id not in grades.scores:
            problems.append(f"{student.student_id}: in {class_roster.path.name} but nothing of theirs is graded"
                            " (their cells are left empty)")
    return list(class_roster.students)


def write_canvas(grades: Grades, class_roster: roster.Roster | None, path: Path) -> Export:
    problems: list[str] = []
    students = matched_students(grades, class_roster, problems)
    assignments = list(grades.points)
    rows = [CANVAS_COLUMNS + assignments,
            ["Points Possible", "", "", "", ""] + [number(grades.points[a]) for a in assignments]]
    for student in students:
        if class_roster is None:
            # Collected from a Canvas download without a roster, a student's id is the Canvas user id.
            canvas_id = student.student_id if student.student_id.isdigit() else ""
            if not canvas_id:
                problems.append(f"{student.student_id}: no Canvas user id without a roster; Canvas will look"
                                " for a student of that name")
            name = student.student_id
        else:
            canvas_id, name = student.lms_id, student.name
            if not canvas_id:
                problems.append(f"{student.student_id}: no lms_id (Canvas user id) in {class_roster.path.name};"
                                " Canvas will match the row by login (email) or name")
        scores = grades.scores.get(student.student_id, {})
        rows.append([name, canvas_id, "", student.email, ""]
                    + [number(scores[a]) if a in scores else "" for a in assignments])
    write_csv(path, rows)
    return Export(path, len(rows) - 2, problems)


def write_moodle(grades: Grades, class_roster: roster.Roster | None, path: Path) -> Export:
    if class_roster is None:
        raise roster.RosterError(
            "Moodle's grade import finds each student by email address, ID number, username or user id,"
            " which only a roster gives: make export-lms LMS=moodle ROSTER=roster.csv"
            " (columns student_id,name,lms_id,email)")
    problems: list[str] = []
    students = matched_students(grades, class_roster, problems)
    assignments = list(grades.points)
    rows = [MOODLE_COLUMNS + assignments]
    for student in students:
        if not (student.email or student.lms_id):
            problems.append(f"{student.student_id}: neither email nor lms_id in {class_roster.path.name}, so not"
                            " written (Moodle would stop the whole import at a row it cannot match)")
            continue
        first, last = split_name(student.name)
        scores = grades.scores.get(student.student_id, {})
        rows.append([first, last, student.lms_id, student.email]
                    + [number(scores[a]) if a in scores else "-" for a in assignments])
    write_csv(path, rows)
    return Export(path, len(rows) - 1, problems)


def write_csv(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def export(out: Path, lms: str, roster_path: Path | None = None, to: Path | None = None) -> Export:
    """Write the LMS's import file for the graded course folder ``out``; return it with its problems."""
    if lms not in LMS:
        raise course.GradingError(f"no LMS {lms!r}: choose one of {', '.join(LMS)}")
    out = Path(out)
    class_roster = roster.read(roster_path) if roster_path else None
    grades = Grades.read(out)
    path = Path(to) if to else out / "lms" / f"{lms}.csv"
    result = (write_canvas if lms == "canvas" else write_moodle)(grades, class_roster, path)
    (path.parent / f"{lms}-problems.txt").write_text("".join(f"{p}\n" for p in result.problems))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lms", choices=LMS, required=True)
    parser.add_argument("--out", type=Path, default=course.REPO / "build" / "grade", help="the graded course folder")
    parser.add_argument("--roster", type=Path, help="roster.csv: student_id,name,lms_id,email")
    parser.add_argument("--to", type=Path, help="the file to write (default OUT/lms/<lms>.csv)")
    args = parser.parse_args(argv)
    try:
        result = export(args.out, args.lms, args.roster, args.to)
    except course.GradingError as error:
        print(f"export failed: {error}", file=sys.stderr)
        return 1
    for problem in result.problems:
        print(f"problem: {problem}")
    print(f"{args.lms}: {result.rows} students written to {result.path}"
          f" ({len(result.problems)} problems, listed in {result.path.parent / (args.lms + '-problems.txt')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
