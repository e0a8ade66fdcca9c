"""The instructor's whole grading pipeline on a folder of submissions (`make grade`).

    python -m autograder.grade [--submissions DIR] [--out DIR] [--workers N] [--assignments A ...]
                               [--sandbox on|off] [--fresh]

DIR follows nbgrader's layout, DIR/<student>/<assignment>/<assignment>.ipynb. Into OUT go an nbgrader
course folder (source, release, submitted, autograded, feedback, gradebook.db) and:
grades.csv (nbgrader's export), grades_by_test.csv (one row per test, with its message),
gradescope/<student>/<assignment>/results.json, problems.txt, logs/.

Steps: release every assignment from solutions/; rebuild each submission on the release
(normalize.py) and refuse answers that could tamper with the tests (guard.py); autograde each
submission in its own nbgrader process, its kernel in a sandbox (sandbox.py), several at once, a
crash costing only the cell it hit (execute.py); feedback; exports; a students × assignments table.
A batch that is stopped and started again skips the submissions it has already graded.
"""

import argparse
import hashlib
import json
import queue
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder import course, export, guard, normalize, sandbox


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
    for student_dir in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for assignment_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            assignment = assignment_dir.name
            if assignment not in known:
                if not only:
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
    for assignment in found:
        source = out / "source" / assignment
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(course.SOLUTIONS / assignment, source,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        course.run_nbgrader(["generate_assignment", assignment, "--force"], out, out / "logs" / f"{assignment}.log")


def rebuild(original: Path, assignment: str, release: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list]:
    """The notebook to grade for one submission, and the problems found on the way."""
    try:
        submitted = normalize.read_submission(original / f"{assignment}.ipynb")
    except normalize.SubmissionError as error:
        return release, [f"graded as blank: {error}"]
    rebuilt, repair = normalize.normalize(submitted, release)
    problems = [f"no answer found for {grade_id}" for grade_id in repair.missing]
    stubs = {c.metadata["nbgrader"]["grade_id"]: c.source for c in release.cells
             if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in rebuilt.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in stubs and cell.source != stubs[grade_id]:
            refused = guard.problems(cell.source)
            if refused:
                cell.source = stubs[grade_id]
                problems.append(f"answer {grade_id} graded as unanswered: it {'; '.join(refused)}"
                                " (graded answers may not change how the tests run)")
    return rebuilt, problems


def collect(out: Path, submissions: Path, found: dict[str, list[str]]) -> dict[tuple[str, str], list[str]]:
    """Put each rebuilt submission into OUT/submitted (originals kept in OUT/originals); return problems."""
    problems = {}
    for assignment, students in found.items():
        release = nbformat.read(out / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        for student in students:
            original = submissions / student / assignment
            kept = out / "originals" / student / assignment
            if kept.exists():
                shutil.rmtree(kept)
            shutil.copytree(original, kept, ignore=shutil.ignore_patterns(".ipynb_checkpoints"), symlinks=True)
            rebuilt, problems[(student, assignment)] = rebuild(original, assignment, release)
            target = out / "submitted" / student / assignment
            text = nbformat.writes(rebuilt)
            notebook = target / f"{assignment}.ipynb"
            if not notebook.exists() or notebook.read_text() != text:
                if target.exists():
                    shutil.rmtree(target)
                target.mkdir(parents=True)
                notebook.write_text(text)
    return problems


class Grader:
    """Autogrades one submission at a time in its own nbgrader process; remembers what is done."""

    def __init__(self, out: Path, hidden: list[Path], use_sandbox: bool, workers: int):
        self.out, self.hidden, self.use_sandbox = out, hidden, use_sandbox
        self.slots: queue.Queue[int] = queue.Queue()
        for slot in range(workers):
            self.slots.put(slot)

    def fingerprint(self, assignment: str, student: str) -> str:
        digest = hashlib.sha256()
        for path in (self.out / "submitted" / student / assignment / f"{assignment}.ipynb",
                     self.out / "source" / assignment / f"{assignment}.ipynb", course.BASE_CONFIG):
            digest.update(path.read_bytes())
        digest.update(str(self.use_sandbox).encode())
        return digest.hexdigest()

    def marker(self, assignment: str, student: str) -> Path:
        return self.out / "state" / assignment / f"{student}.json"

    def is_done(self, assignment: str, student: str) -> bool:
        marker = self.marker(assignment, student)
        graded = self.out / "autograded" / student / assignment / f"{assignment}.ipynb"
        return (marker.exists() and graded.exists()
                and json.loads(marker.read_text()).get("fingerprint") == self.fingerprint(assignment, student))

    def __call__(self, job: tuple[str, str]) -> str | None:
        """Grade one submission; return a problem in words, or None."""
        assignment, student = job
        if self.is_done(assignment, student):
            return None
        self.marker(assignment, student).unlink(missing_ok=True)
        log = self.out / "logs" / assignment / f"{student}.log"
        log.unlink(missing_ok=True)
        slot = self.slots.get()
        env, args, runtime = {}, [], None
        try:
            if self.use_sandbox:
                job_dir = self.out / "jobs" / assignment / student
                scratch = self.out / "autograded" / student / assignment
                env, args, runtime = sandbox.prepare(job_dir, scratch, self.hidden, slot)
            course.run_nbgrader(["autograde", assignment, "--student", student, "--force", *args], self.out, log,
                                extra_env=env)
        except course.GradingError as error:
            return f"autograde failed, see {log}: {str(error).splitlines()[0]}"
        finally:
            self.slots.put(slot)
            if runtime is not None:
                shutil.rmtree(runtime, ignore_errors=True)
        marker = self.marker(assignment, student)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({"fingerprint": self.fingerprint(assignment, student)}))
        return None


def grade(submissions: Path, out: Path, workers: int = 2, only: list[str] | None = None,
          use_sandbox: bool = True, fresh: bool = False) -> dict[tuple[str, str], list[str]]:
    """Grade everything in ``submissions`` into ``out``; return the problems of each submission."""
    out, submissions = out.resolve(), submissions.resolve()
    if use_sandbox and (reason := sandbox.unavailable_reason()):
        raise course.GradingError(f"the sandbox cannot run: {reason}. To grade without isolating student code"
                                  " (only for code you trust), use --sandbox off (make grade SANDBOX=off).")
    if fresh and out.exists():
        shutil.rmtree(out)
    found = find_submissions(submissions, only)
    prepare_course(out, found)
    problems = collect(out, submissions, found)
    grader = Grader(out, hidden=[course.REPO, out, submissions], use_sandbox=use_sandbox, workers=max(1, workers))
    jobs = [(assignment, student) for assignment, students in found.items() for student in students]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for (assignment, student), problem in zip(jobs, pool.map(grader, jobs)):
            if problem:
                problems[(student, assignment)].append(problem)
    for assignment in found:
        course.run_nbgrader(["generate_feedback", assignment, "--force"], out, out / "logs" / f"{assignment}.log")
    course.run_nbgrader(["export", "--to", str(out / "grades.csv")], out, out / "logs" / "export.log")
    rows = export.per_question_rows(out, found)
    export.write_per_question_csv(rows, out / "grades_by_test.csv")
    export.write_gradescope(rows, out, problems)
    (out / "problems.txt").write_text("".join(f"{student}/{assignment}: {p}\n"
                                              for (student, assignment), ps in sorted(problems.items()) for p in ps))
    print_table(out, found)
    for (student, assignment), notes in sorted(problems.items()):
        for note in notes:
            print(f"problem: {student}/{assignment}: {note}")
    return problems


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
    print(f"\ngrades: {out / 'grades.csv'} (by test: {out / 'grades_by_test.csv'})\nfeedback: {out / 'feedback'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=Path, default=course.SAMPLES)
    parser.add_argument("--out", type=Path, default=course.REPO / "build" / "grade")
    parser.add_argument("--workers", type=int, default=2, help="submissions graded at once")
    parser.add_argument("--assignments", nargs="+", help="grade only these assignments")
    parser.add_argument("--sandbox", choices=["on", "off"], default="on",
                        help="run student code in bubblewrap (default); off only for code you trust")
    parser.add_argument("--fresh", action="store_true", help="start from an empty OUT instead of resuming")
    args = parser.parse_args(argv)
    try:
        grade(args.submissions, args.out, args.workers, args.assignments, args.sandbox == "on", args.fresh)
    except course.GradingError as error:
        print(f"grading failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
