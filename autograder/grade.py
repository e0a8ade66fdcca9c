"""The instructor's whole grading pipeline on a folder of submissions (`make grade`).

    python -m autograder.grade [--submissions DIR] [--out DIR] [--workers N] [--scheduler ADDRESS]
                               [--assignments A ...] [--sandbox on|off] [--fresh]

DIR follows nbgrader's layout, DIR/<student>/<assignment>/<assignment>.ipynb. Into OUT go an nbgrader
course folder (source, release, submitted, autograded, feedback, gradebook.db) and:
grades.csv (nbgrader's export), grades_by_test.csv (one row per test, with its message),
gradescope/<student>/<assignment>/results.json, problems.txt, logs/.

Steps: release every assignment from solutions/; rebuild each submission on the release
(normalize.py) and refuse answers that could tamper with the tests (guard.py); autograde the
submissions in long-lived worker processes — one per core by default, or the workers of a Dask
cluster (--scheduler) — each kernel in a sandbox (sandbox.py), a crash costing only the cell it hit
(execute.py), experiments that no test needs left out; write every result into the one gradebook
(gradebook.py); feedback; exports; a students × assignments table and a summary.
A batch that is stopped and started again skips the submissions it has already graded.
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed as local_as_completed
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from tqdm import tqdm

from autograder import course, export, gradebook, guard, lms_collect, normalize, report, sandbox, worker


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


def locate_notebook(folder: Path, assignment: str) -> tuple[Path, str | None]:
    """The notebook to grade in a student's assignment folder, and what to report about it.

    An editor or a browser may have renamed it (Colab's "Copy of …", a download's "… (1)"): a single
    notebook of another name is graded, and the rename is reported. Several notebooks without the
    expected name are reported and graded as blank, never silently."""
    expected = folder / f"{assignment}.ipynb"
    others = sorted(p.name for p in folder.glob("*.ipynb") if p.name != expected.name)
    if expected.exists():
        return expected, (f"also handed in, not graded: {', '.join(others)}" if others else None)
    if len(others) == 1:
        return folder / others[0], f"graded {others[0]} as {assignment}.ipynb (the notebook was renamed)"
    if others:
        return expected, (f"several notebooks and none named {assignment}.ipynb ({', '.join(others)}):"
                          " rename the one to grade")
    return expected, None


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
    course.run_nbgrader_api(out, "generate_assignment", list(found), out / "logs" / "release.log")


def rebuild(original: Path, assignment: str, release: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list]:
    """The notebook to grade for one submission, and the problems found on the way."""
    path, note = locate_notebook(original, assignment)
    problems = [note] if note else []
    try:
        submitted = normalize.read_submission(path)
    except normalize.SubmissionError as error:
        return release, [*problems, f"graded as blank: {error}"]
    rebuilt, repair = normalize.normalize(submitted, release)
    problems += [f"no answer found for {grade_id}" for grade_id in repair.missing]
    stubs = {c.metadata["nbgrader"]["grade_id"]: c.source for c in release.cells
             if c.metadata.get("nbgrader", {}).get("solution")}
    protected = guard.protected_names([c.source for c in release.cells if c.cell_type == "code" and not (
        c.metadata.get("nbgrader", {}).get("solution") or c.metadata.get("nbgrader", {}).get("grade"))])
    for cell in rebuilt.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in stubs and cell.source != stubs[grade_id]:
            refused = guard.problems(cell.source, protected=protected)
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


class Batch:
    """What is graded, what is done (OUT/state/: a fingerprint per graded submission), and timings."""

    def __init__(self, out: Path, use_sandbox: bool, judge_outside: bool = True):
        self.out, self.use_sandbox, self.judge_outside = out, use_sandbox, judge_outside
        self.seconds: list[float] = []
        self.failed: list[tuple[str, str, str]] = []

    def submitted(self, assignment: str, student: str) -> Path:
        return self.out / "submitted" / student / assignment / f"{assignment}.ipynb"

    def fingerprint(self, assignment: str, student: str) -> str:
        digest = hashlib.sha256()
        for path in (self.submitted(assignment, student), self.out / "source" / assignment / f"{assignment}.ipynb",
                     course.BASE_CONFIG):
            digest.update(path.read_bytes())
        digest.update(f"{self.use_sandbox} {self.judge_outside}".encode())
        return digest.hexdigest()

    def marker(self, assignment: str, student: str) -> Path:
        return self.out / "state" / assignment / f"{student}.json"

    def is_done(self, assignment: str, student: str) -> bool:
        marker = self.marker(assignment, student)
        graded = self.out / "autograded" / student / assignment / f"{assignment}.ipynb"
        return (marker.exists() and graded.exists()
                and json.loads(marker.read_text()).get("fingerprint") == self.fingerprint(assignment, student))

    def job(self, assignment: str, student: str, release_gradebook: bytes, hidden: tuple[str, ...]) -> worker.Job:
        return worker.Job(assignment=assignment, student=student,
                          submission=self.submitted(assignment, student).read_text(),
                          source=(self.out / "source" / assignment / f"{assignment}.ipynb").read_text(),
                          gradebook=release_gradebook, use_sandbox=self.use_sandbox, hidden=hidden,
                          judge_outside=self.judge_outside)

    def record(self, result: worker.Result) -> str | None:
        """Write a result into the gradebook and the state; return a problem in words, or None."""
        log = self.out / "logs" / result.assignment / f"{result.student}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"graded on {result.host} in {result.seconds:.1f} s\n{result.log}\n{result.error}\n")
        self.seconds.append(result.seconds)
        if not result.ok:
            self.failed.append((result.student, result.assignment, result.error))
            return f"autograde failed, see {log}: {result.error}"
        gradebook.import_result(self.out, result)
        marker = self.marker(result.assignment, result.student)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({"fingerprint": self.fingerprint(result.assignment, result.student),
                                      "seconds": round(result.seconds, 2), "host": result.host}))
        return None


def run_jobs(jobs: list[worker.Job], workers: int, scheduler: str | None):
    """Yield the result of every job as it finishes: on local worker processes, or on a Dask cluster.
    A worker that is lost (killed, out of memory, its machine gone) gives a failed result, never a stop."""
    def outcome(future, job):
        try:
            return future.result()
        except Exception as error:  # noqa: BLE001 — reported in the summary and problems.txt
            return worker.Result(job.assignment, job.student, ok=False, seconds=0.0,
                                 error=f"the worker was lost: {type(error).__name__}: {error}")

    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_as_completed

        with Client(scheduler) as client:
            futures = {client.submit(worker.grade_one, job, pure=False, key=f"grade-{job.assignment}-{job.student}"):
                       job for job in jobs}
            for future in dask_as_completed(futures):
                yield outcome(future, futures[future])
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=worker.prepare_process) as pool:
        futures = {pool.submit(worker.grade_one, job): job for job in jobs}
        for future in local_as_completed(futures):
            yield outcome(future, futures[future])


def grade(submissions: Path, out: Path, workers: int | None = None, only: list[str] | None = None,
          use_sandbox: bool = True, fresh: bool = False, scheduler: str | None = None,
          progress: bool = True, judge_outside: bool = True, roster: Path | None = None,
          lms: str | None = None) -> dict[tuple[str, str], list[str]]:
    """Grade everything in ``submissions`` into ``out``; return the problems of each submission.
    ``submissions`` may be an LMS download archive (Canvas, Moodle), collected first (lms_collect.py).
    ``judge_outside=False`` lets the kernel decide its own grade, as stock nbgrader does: only for a
    test that shows what that would give."""
    out, submissions = out.resolve(), submissions.resolve()
    workers = max(1, workers or os.cpu_count() or 1)
    if use_sandbox and not scheduler and (reason := sandbox.unavailable_reason()):
        raise course.GradingError(f"the sandbox cannot run: {reason}. To grade without isolating student code"
                                  " (only for code you trust), use --sandbox off (make grade SANDBOX=off).")
    if fresh and out.exists():
        shutil.rmtree(out)
    submissions = lms_collect.prepare_submissions(submissions, out, roster, lms)  # an archive: OUT/collected
    started = time.perf_counter()
    found = find_submissions(submissions, only)
    prepare_course(out, found)
    problems = collect(out, submissions, found)
    prepared = time.perf_counter() - started
    batch = Batch(out, use_sandbox, judge_outside)
    pending = [(a, s) for a, students in found.items() for s in students if not batch.is_done(a, s)]
    for assignment, student in pending:
        batch.marker(assignment, student).unlink(missing_ok=True)
        gradebook.forget(out, assignment, student)
    release_gradebook = (out / "gradebook.db").read_bytes()
    hidden = (str(out), str(submissions))
    jobs = [batch.job(a, s, release_gradebook, hidden) for a, s in pending]
    where = f"the Dask cluster at {scheduler}" if scheduler else f"{workers} local worker processes"
    print(f"grading {len(jobs)} submissions on {where} ({sum(len(s) for s in found.values()) - len(jobs)}"
          " already graded)", flush=True)
    with tqdm(total=len(jobs), unit="notebook", disable=not progress or not jobs, file=sys.stdout) as bar:
        for result in run_jobs(jobs, workers, scheduler):
            problem = batch.record(result)
            if problem:
                problems[(result.student, result.assignment)].append(problem)
            bar.set_postfix_str(f"{result.student}/{result.assignment}", refresh=False)
            bar.update()
    grading_seconds = time.perf_counter() - started - prepared
    missing_feedback = sorted({a for a, students in found.items() for s in students
                               if not (out / "feedback" / s / a / f"{a}.html").exists()
                               and (out / "autograded" / s / a / f"{a}.ipynb").exists()})
    if missing_feedback:  # submissions graded by an earlier version, or whose page was deleted
        course.run_nbgrader_api(out, "generate_feedback", missing_feedback, out / "logs" / "feedback.log")
    export.write_grades_csv(out, out / "grades.csv")
    rows = export.per_question_rows(out, found)
    export.write_per_question_csv(rows, out / "grades_by_test.csv")
    export.write_gradescope(rows, out, problems)
    (out / "problems.txt").write_text("".join(f"{student}/{assignment}: {p}\n"
                                              for (student, assignment), ps in sorted(problems.items()) for p in ps))
    print(f"class report: {report.write_report(out, found, rows)}")
    print_table(out, found)
    for (student, assignment), notes in sorted(problems.items()):
        for note in notes:
            print(f"problem: {student}/{assignment}: {note}")
    print_summary(batch, len(jobs), workers if not scheduler else None, prepared, grading_seconds,
                  time.perf_counter() - started)
    return problems


def print_summary(batch: Batch, graded: int, workers: int | None, prepared_seconds: float, grading_seconds: float,
                  total_seconds: float):
    """Graded, failed, and the time per notebook (worker time and wall time)."""
    line = f"summary: {graded - len(batch.failed)} graded, {len(batch.failed)} failed"
    if batch.seconds:
        line += (f"; per notebook {statistics.mean(batch.seconds):.1f} s of worker time"
                 f" (median {statistics.median(batch.seconds):.1f}, max {max(batch.seconds):.1f})"
                 f", {grading_seconds / len(batch.seconds):.1f} s of wall time")
    line += (f"; {total_seconds:.0f} s in all ({prepared_seconds:.0f} s release and rebuild, {grading_seconds:.0f} s"
             f" grading, {total_seconds - prepared_seconds - grading_seconds:.0f} s exports)")
    line += f" with {workers} workers" if workers else ""
    print(line, flush=True)


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
    parser.add_argument("--workers", type=int, default=None,
                        help="local worker processes, each grading one submission at a time (default: one per core)")
    parser.add_argument("--scheduler", default=os.environ.get("GRADING_SCHEDULER") or None,
                        help="address of a Dask scheduler (tcp://host:8786) whose workers grade instead"
                             " (default: $GRADING_SCHEDULER)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--assignments", nargs="+", help="grade only these assignments")
    parser.add_argument("--sandbox", choices=["on", "off"], default="on",
                        help="run student code in bubblewrap (default); off only for code you trust")
    parser.add_argument("--fresh", action="store_true", help="start from an empty OUT instead of resuming")
    parser.add_argument("--roster", type=Path, help="roster.csv mapping students to the LMS (lms_collect.py)")
    parser.add_argument("--lms", choices=sorted(lms_collect.COLLECTORS), help="the LMS of a download archive")
    args = parser.parse_args(argv)
    try:
        grade(args.submissions, args.out, args.workers, args.assignments, args.sandbox == "on", args.fresh,
              args.scheduler, progress=not args.no_progress, roster=args.roster, lms=args.lms)
    except course.GradingError as error:
        print(f"grading failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
