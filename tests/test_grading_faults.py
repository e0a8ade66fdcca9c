"""Grading survives faults and attacks: batch completes, the gradebook is intact, nothing else changes.

The per-test scores of every fixture (autograder/sample_specs/*-faults.toml) are checked with all
the other samples in test_grading.py; this module checks what a score alone does not show.
"""

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from autograder import course, grade, samples, sandbox

FAULTS = "04_loss_functions"  # the assignment whose samples include the fault fixtures (its *-faults.toml)


def tree_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_gradebook_passes_an_integrity_check(graded):
    """Is the SQLite gradebook intact after a batch full of crashes and attacks?"""
    with sqlite3.connect(graded / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        students = {row[0] for row in db.execute("SELECT id FROM student")}
    assert {s.student for s in samples.all_samples()} <= students


def test_attacks_changed_no_other_submission(graded):
    """Are the reference's submitted and autograded copies untouched by the fixture that tried to overwrite them?"""
    reference = graded / "submitted" / "reference" / FAULTS / f"{FAULTS}.ipynb"
    assert "overwritten" not in reference.read_text()
    autograded = graded / "autograded" / "reference" / FAULTS / f"{FAULTS}.ipynb"
    assert "overwritten" not in autograded.read_text()


def test_unreadable_submissions_are_reported(graded):
    """Do a cut-off file and a missing notebook get 0 with a reason, rather than stopping the batch?"""
    problems = (graded / "problems.txt").read_text()
    assert f"submitted-malformed-file/{FAULTS}: graded as blank" in problems
    assert f"submitted-missing-notebook/{FAULTS}: graded as blank: no notebook" in problems


def test_tampering_answers_are_reported(graded):
    """Are answers that patch numpy, the checks or IPython refused, and named in problems.txt?"""
    problems = (graded / "problems.txt").read_text()
    assert f"submitted-monkeypatch-numpy/{FAULTS}: answer hinge_zero_one graded as unanswered" in problems
    assert f"submitted-hidden-traceback/{FAULTS}: answer kl_divergence graded as unanswered" in problems


def test_feedback_never_shows_hidden_tests(graded):
    """Does no feedback page contain the source of a hidden test?"""
    pages = list((graded / "feedback").rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "rng_hidden" not in text, page


def test_gradescope_results_match_the_gradebook(graded):
    """Does each results.json add up to the score the gradebook holds, one entry per test?"""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}") as gradebook:
        for sample in samples.all_samples():
            path = graded / "gradescope" / sample.student / sample.assignment / "results.json"
            results = json.loads(path.read_text())
            submission = gradebook.find_submission(sample.assignment, sample.student)
            assert results["score"] == pytest.approx(submission.score)
            assert len(results["tests"]) == len(samples.test_points(sample.assignment))


def test_grading_leaves_the_course_files_alone(graded):
    """Are solutions/ and the sample submissions unchanged by a graded batch?"""
    assert tree_digest(course.SOLUTIONS) == SOLUTIONS_BEFORE
    assert samples.main(["--check"]) == 0


SOLUTIONS_BEFORE = tree_digest(course.SOLUTIONS)


def test_missing_sandbox_stops_grading_with_advice(monkeypatch, tmp_path):
    """Without bubblewrap, does grading stop and say how to proceed, instead of running student code unisolated?"""
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(course.GradingError, match="--sandbox off"):
        grade.grade(course.SAMPLES, tmp_path / "out")


def test_an_interrupted_batch_resumes_without_regrading(tmp_path, graded):
    """Killed after its first submission, does a rerun skip it and end with the same grades?"""
    submissions = tmp_path / "submissions"
    for student in ("reference", "blank"):
        (submissions / student).mkdir(parents=True)
        source = course.SAMPLES / student / FAULTS
        subprocess.run(["cp", "-r", str(source), str(submissions / student)], check=True)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder.grade", "--submissions", str(submissions), "--out", str(out),
               "--workers", "1", "--assignments", FAULTS]
    batch = subprocess.Popen(command, cwd=course.REPO, env=course.nbgrader_env(), start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first_marker = out / "state" / FAULTS / "blank.json"
    deadline = time.time() + 600
    while not first_marker.exists() and batch.poll() is None and time.time() < deadline:
        time.sleep(0.5)
    assert first_marker.exists(), "the first submission was never finished"
    os.killpg(batch.pid, signal.SIGKILL)
    batch.wait()
    graded_first = (out / "autograded" / "blank" / FAULTS / f"{FAULTS}.ipynb").stat().st_mtime

    rerun = subprocess.run(command, cwd=course.REPO, env=course.nbgrader_env(), capture_output=True, text=True,
                           check=False)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert (out / "autograded" / "blank" / FAULTS / f"{FAULTS}.ipynb").stat().st_mtime \
        == graded_first, "the finished submission was graded again"
    rows = (out / "grades.csv").read_text().splitlines()
    full = {tuple(line.split(",")[0:4:3]): line for line in (graded / "grades.csv").read_text().splitlines()[1:]}
    assert len(rows) == 3
    for line in rows[1:]:
        key = tuple(line.split(",")[0:4:3])
        assert line.split(",")[-2:] == full[key].split(",")[-2:], (line, full[key])
