"""Grading at scale: a Dask cluster, one gradebook, the same score every time, batches side by side.

Each test grades a few submissions again in a small batch of its own and compares every per-test
score with the big batch of all samples (the ``graded`` fixture), so each of them is graded twice.
"""

import shutil
import subprocess
import sys
import threading

import pytest
from nbgrader.api import Gradebook

from autograder import course, grade, sandbox

FAST = "04_loss_functions"  # the quickest notebook to grade


def per_test_scores(out, assignment, student):
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(assignment, assignment, student)
        return {g.name: g.score for g in submission.grades}


def copy_samples(tmp_path, pairs):
    submissions = tmp_path / "submissions"
    for student, assignment in pairs:
        shutil.copytree(course.SAMPLES / student / assignment, submissions / student / assignment)
    return submissions


def test_a_dask_cluster_grades_like_local_workers(tmp_path, graded):
    """Sent to a distributed.LocalCluster with --scheduler, do submissions get the same per-test scores?"""
    distributed = pytest.importorskip("distributed")
    pairs = [("reference", FAST), ("blank", FAST)]
    submissions = copy_samples(tmp_path, pairs)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster:
        out = tmp_path / "out"
        problems = grade.grade(submissions, out, scheduler=cluster.scheduler_address, progress=False)
    assert not any(problems.values()), problems
    for student, assignment in pairs:
        assert per_test_scores(out, assignment, student) == per_test_scores(graded, assignment, student), student


def test_the_reference_and_an_alternative_score_the_same_twice(tmp_path, graded):
    """Graded a second time, do the reference and an alternative correct answer of the notebook whose test
    trains a network (01) get exactly the same per-test scores?"""
    assignment = "01_perceptron_xor"
    students = ["reference", "alternative-correct"]
    submissions = copy_samples(tmp_path, [(s, assignment) for s in students])
    out = tmp_path / "out"
    grade.grade(submissions, out, workers=2, progress=False)
    for student in students:
        assert per_test_scores(out, assignment, student) == per_test_scores(graded, assignment, student), student


def test_one_gradebook_holds_each_submission_once(graded):
    """Does the gradebook hold exactly one submission per sample, each with all its test scores?"""
    from autograder import samples

    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}") as gradebook:
        for assignment in course.assignments():
            submissions = gradebook.assignment_submissions(assignment)
            students = [s.student.id for s in submissions]
            assert len(students) == len(set(students)), assignment
            expected = {s.student for s in samples.all_samples() if s.assignment == assignment}
            assert set(students) == expected, assignment
            for submission in submissions:
                assert all(g.score is not None for n in submission.notebooks for g in n.grades), submission.student.id


def test_kernels_running_at_once_never_share_a_user_id():
    """Does each kernel get a user id of its own, also across batches (the process limit counts per user)?"""
    held, ready, release = [], threading.Barrier(4), threading.Event()

    def hold():
        with sandbox.claimed_uid() as uid:
            held.append(uid)
            ready.wait()
            release.wait()

    threads = [threading.Thread(target=hold) for _ in range(3)]
    for thread in threads:
        thread.start()
    ready.wait()
    with sandbox.claimed_uid() as mine:
        assert mine not in held
    release.set()
    for thread in threads:
        thread.join()
    assert len(set(held)) == 3


def test_two_batches_at_once_both_grade_in_full(tmp_path):
    """Graded by two batches started at the same time on one machine, does each reference earn full marks?"""
    outs, processes = [], []
    for name in ("first", "second"):
        submissions = copy_samples(tmp_path / name, [("reference", FAST)])
        outs.append(tmp_path / name / "out")
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "autograder.grade", "--submissions", str(submissions), "--out", str(outs[-1]),
             "--workers", "1", "--no-progress"], cwd=course.REPO, env=course.nbgrader_env(),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    for process in processes:
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output[-2000:]
    for out in outs:
        with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission(FAST, "reference")
            assert submission.score == submission.max_score > 0, out
