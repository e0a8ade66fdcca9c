"""The instructor's whole grading pipeline on a folder of submissions (`make grade`).

    python -m autograder.grade [--submissions DIR] [--out DIR] [--workers N]

DIR follows nbgrader's layout, DIR/<student>/<assignment>/<assignment>.ipynb. Into OUT go a course
folder for nbgrader (source, release, submitted, autograded, feedback, gradebook.db), grades.csv in
nbgrader's export format, and logs/. Steps: release every assignment from solutions/, autograde
each submission (several at once), generate feedback, export, print a students × assignments table.
"""

import argparse
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograder import course


def find_submissions(submissions: Path) -> dict[str, list[str]]:
    """{assignment: [students]} found in ``submissions``; explain what does not fit the layout."""
    if not submissions.is_dir():
        raise course.GradingError(f"submissions folder {submissions} does not exist")
    known = set(course.assignments())
    found: dict[str, list[str]] = {}
    for student_dir in sorted(p for p in submissions.iterdir() if p.is_dir()):
        for assignment_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            assignment = assignment_dir.name
            if assignment not in known:
                print(f"skipped {assignment_dir}: no assignment {assignment!r} in solutions/", file=sys.stderr)
                continue
            if not (assignment_dir / f"{assignment}.ipynb").is_file():
                print(f"note: {assignment_dir} has no {assignment}.ipynb; it will be graded as missing",
                      file=sys.stderr)
            found.setdefault(assignment, []).append(student_dir.name)
    if not found:
        raise course.GradingError(
            f"no submissions in {submissions}: expected {submissions}/<student>/<assignment>/<assignment>.ipynb"
            f" with an assignment from solutions/ ({', '.join(sorted(known))})")
    return found


def prepare_course(out: Path, submissions: Path, found: dict[str, list[str]]) -> None:
    """Copy the sources and the submissions into the course folder OUT."""
    out.mkdir(parents=True, exist_ok=True)
    course.write_course_config(out)
    source = out / "source"
    if source.exists():
        shutil.rmtree(source)
    for assignment in found:
        shutil.copytree(course.SOLUTIONS / assignment, source / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        for student in found[assignment]:
            target = out / "submitted" / student / assignment
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(submissions / student / assignment, target,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"))


def grade(submissions: Path, out: Path, workers: int = 2) -> None:
    out = out.resolve()
    found = find_submissions(submissions)
    prepare_course(out, submissions, found)
    logs = out / "logs"
    for assignment in found:
        course.run_nbgrader(["generate_assignment", assignment, "--force"], out, logs / f"{assignment}.log")

    def autograde(job: tuple[str, str]) -> None:
        assignment, student = job
        course.run_nbgrader(["autograde", assignment, "--student", student, "--force"], out,
                            logs / assignment / f"{student}.log")

    jobs = [(assignment, student) for assignment, students in found.items() for student in students]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(autograde, jobs))
    for assignment in found:
        course.run_nbgrader(["generate_feedback", assignment, "--force"], out, logs / f"{assignment}.log")
    course.run_nbgrader(["export", "--to", str(out / "grades.csv")], out, logs / "export.log")
    print_table(out, found)


def print_table(out: Path, found: dict[str, list[str]]) -> None:
    """Students × assignments, score / max score, from the gradebook ("-": nothing submitted)."""
    assignment_ids = sorted(found)
    students = sorted({s for students in found.values() for s in students})
    width = max(len("student"), *(len(s) for s in students))
    columns = [max(len(a), 9) for a in assignment_ids]
    print(f"{'student':<{width}}  " + "  ".join(f"{a:>{w}}" for a, w in zip(assignment_ids, columns)))
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        for student in students:
            cells = []
            for assignment, w in zip(assignment_ids, columns):
                try:
                    submission = gradebook.find_submission(assignment, student)
                    cells.append(f"{submission.score:g}/{submission.max_score:g}".rjust(w))
                except MissingEntry:
                    cells.append("-".rjust(w))
            print(f"{student:<{width}}  " + "  ".join(cells))
    print(f"\ngrades: {out / 'grades.csv'}\nfeedback: {out / 'feedback'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=Path, default=course.SAMPLES)
    parser.add_argument("--out", type=Path, default=course.REPO / "build" / "grade")
    parser.add_argument("--workers", type=int, default=2, help="notebooks graded at once")
    args = parser.parse_args(argv)
    try:
        grade(args.submissions, args.out, args.workers)
    except course.GradingError as error:
        print(f"grading failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
