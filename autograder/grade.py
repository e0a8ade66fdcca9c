"""The instructor's whole grading pipeline on a folder of submissions (`make grade`).

    python -m autograder.grade [--submissions DIR] [--out DIR] [--workers N] [--assignments A ...]

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

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder import course, normalize


def find_submissions(submissions: Path, only: list[str] | None = None) -> dict[str, list[str]]:
    """{assignment: [students]} found in ``submissions``; explain what does not fit the layout."""
    if not submissions.is_dir():
        raise course.GradingError(f"submissions folder {submissions} does not exist")
    known = set(course.assignments())
    if only:
        unknown = sorted(set(only) - known)
        if unknown:
            raise course.GradingError(f"no such assignment in solutions/: {', '.join(unknown)}")
        known = set(only)
    found: dict[str, list[str]] = {}
    for student_dir in sorted(p for p in submissions.iterdir() if p.is_dir()):
        for assignment_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            assignment = assignment_dir.name
            if only and assignment not in only:
                continue
            if assignment not in known:
                print(f"skipped {assignment_dir}: no assignment {assignment!r} in solutions/", file=sys.stderr)
                continue
            found.setdefault(assignment, []).append(student_dir.name)
    if not found:
        raise course.GradingError(
            f"no submissions in {submissions}: expected {submissions}/<student>/<assignment>/<assignment>.ipynb"
            f" with an assignment from solutions/ ({', '.join(sorted(known))})")
    return found


def prepare_course(out: Path, found: dict[str, list[str]]) -> None:
    """Copy the sources into the course folder OUT and release them (this fills the gradebook)."""
    out.mkdir(parents=True, exist_ok=True)
    course.write_course_config(out)
    source = out / "source"
    if source.exists():
        shutil.rmtree(source)
    for assignment in found:
        shutil.copytree(course.SOLUTIONS / assignment, source / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        course.run_nbgrader(["generate_assignment", assignment, "--force"], out, out / "logs" / f"{assignment}.log")


def collect(out: Path, submissions: Path, found: dict[str, list[str]]) -> list[str]:
    """Put each submission, rebuilt on the release (normalize.py), into OUT/submitted; return problems.

    A notebook that cannot be read is graded as the blank release, so the student appears with 0
    points and the reason, and the batch goes on. The original files are kept in OUT/originals."""
    problems = []
    for assignment, students in found.items():
        release = nbformat.read(out / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        for student in students:
            original = submissions / student / assignment
            kept = out / "originals" / student / assignment
            if kept.exists():
                shutil.rmtree(kept)
            shutil.copytree(original, kept, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
            target = out / "submitted" / student / assignment
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            try:
                submitted = normalize.read_submission(original / f"{assignment}.ipynb")
                rebuilt, repair = normalize.normalize(submitted, release)
                if repair.missing:
                    problems.append(f"{student}/{assignment}: no answer found for {', '.join(repair.missing)}")
            except normalize.SubmissionError as error:
                rebuilt = release
                problems.append(f"{student}/{assignment}: graded as blank: {error}")
            nbformat.write(rebuilt, target / f"{assignment}.ipynb")
    return problems


def grade(submissions: Path, out: Path, workers: int = 2, only: list[str] | None = None) -> None:
    out = out.resolve()
    found = find_submissions(submissions, only)
    logs = out / "logs"
    prepare_course(out, found)
    problems = collect(out, submissions, found)

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
    (out / "problems.txt").write_text("".join(f"{p}\n" for p in problems))
    for problem in problems:
        print(f"problem: {problem}")


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
    parser.add_argument("--assignments", nargs="+", help="grade only these assignments")
    args = parser.parse_args(argv)
    try:
        grade(args.submissions, args.out, args.workers, args.assignments)
    except course.GradingError as error:
        print(f"grading failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
