"""Grading throughput: stock nbgrader against the course's grader, on the same batch, on this machine.

    python benchmarks/grading.py [--copies 20] [--assignment 02_activation_functions] [--record]

Makes COPIES submissions of one assignment's reference answers, then grades them
1. with stock nbgrader, sequentially as its documentation shows: `generate_assignment`, one
   `autograde` for the whole class, `generate_feedback`, `export` (no sandbox, no restarts);
2. with `python -m autograder.grade` (sandboxed kernels, long-lived workers, one per core);
and then one student's whole course (the reference of every assignment) with the course's grader.
Prints seconds per notebook, the ratio and the wall time per notebook per core; with --record the
output is written to benchmarks/grading.md with the machine and date.
"""

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import course  # noqa: E402


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=course.nbgrader_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return time.perf_counter() - start


def stock(assignment: str, students: list[str], work: Path) -> float:
    """Stock nbgrader's documented flow in a fresh course folder; returns the wall time in seconds."""
    folder = work / "stock"
    shutil.copytree(course.SOLUTIONS / assignment, folder / "source" / assignment)
    for student in students:
        shutil.copytree(course.SAMPLES / "reference" / assignment, folder / "submitted" / student / assignment)
    (folder / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(folder)!r}\n"
        "c.Execute.timeout = 60\n"
        "c.IgnorePattern.enabled = True\n"
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(folder / 'gradebook.db')!r}\n")
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    seconds = timed([nbgrader, "generate_assignment", assignment, "--force"], folder)
    seconds += timed([nbgrader, "autograde", assignment, "--force"], folder)
    seconds += timed([nbgrader, "generate_feedback", assignment, "--force"], folder)
    seconds += timed([nbgrader, "export", "--to", str(folder / "grades.csv")], folder)
    return seconds


def ours(submissions: Path, out: Path, assignments: list[str] | None = None) -> float:
    command = [sys.executable, "-m", "autograder.grade", "--submissions", str(submissions), "--out", str(out),
               "--no-progress"]
    if assignments:
        command += ["--assignments", *assignments]
    return timed(command, REPO)


def breakdown(out: Path) -> str:
    """Where the worker time of a batch went, averaged over its notebooks, from the per-submission logs."""
    totals: dict[str, float] = {}
    count = 0
    for log in sorted((out / "logs").glob("*/*.log")):
        text = log.read_text()
        worker = re.search(r"graded on \S+ in ([\d.]+) s", text)
        timing = re.search(r"Timing: (.*)", text)
        if not (worker and timing):
            continue
        count += 1
        parts = dict((kind, float(value)) for kind, value in re.findall(r"([a-z ]+) ([\d.]+) s", timing.group(1)))
        parts = {kind.strip(): value for kind, value in parts.items()}
        parts["nbgrader's own work (copies, gradebook, feedback page)"] = float(worker.group(1)) - sum(parts.values())
        for kind, value in parts.items():
            totals[kind] = totals.get(kind, 0.0) + value
    return "; ".join(f"{kind} {value / count:.2f} s" for kind, value in totals.items()) if count else "no logs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--assignment", default="02_activation_functions")
    parser.add_argument("--record", action="store_true", help="write the output to benchmarks/grading.md")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    students = [f"student{i:03d}" for i in range(args.copies)]
    lines = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        submissions = work / "class"
        for student in students:
            shutil.copytree(course.SAMPLES / "reference" / args.assignment, submissions / student / args.assignment)
        say(f"{args.copies} copies of the reference of {args.assignment}, {cores} cores")
        stock_seconds = stock(args.assignment, students, work)
        say(f"stock nbgrader (sequential, no sandbox): {stock_seconds:6.1f} s, "
            f"{stock_seconds / args.copies:5.2f} s per notebook")
        our_seconds = ours(submissions, work / "ours")
        say(f"course grader ({cores} workers, sandboxed): {our_seconds:6.1f} s, "
            f"{our_seconds / args.copies:5.2f} s per notebook, "
            f"{our_seconds * cores / args.copies:5.2f} s per notebook per core")
        say(f"speed-up: {stock_seconds / our_seconds:.2f}x")
        say(f"worker time per notebook (course grader): {breakdown(work / 'ours')}")
        say("  (setup = the Setup cell: imports, TensorFlow's included; experiment cells are not run)")
        course_submissions = work / "one-student"
        for assignment in course.assignments():
            shutil.copytree(course.SAMPLES / "reference" / assignment, course_submissions / "reference" / assignment)
        whole = ours(course_submissions, work / "course")
        say(f"one student's whole course ({len(course.assignments())} notebooks, reference answers): {whole:.1f} s")
    if args.record:
        header = (f"# Grading throughput\n\nRecorded {date.today()} on {platform.node() or 'this machine'}"
                  f" ({cores} cores, {platform.processor() or platform.machine()}, Python"
                  f" {platform.python_version()}) with `python benchmarks/grading.py --record`"
                  f" (`make benchmark-grading`).\n\n```\n")
        (REPO / "benchmarks" / "grading.md").write_text(header + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
