"""The class report, OUT/report.html: written by every `make grade`, self-contained, and what it says about
each assignment and test agrees with the sample specs. The report of the whole sample batch is the one the
`graded` fixture's `make grade` wrote; nothing is graded here."""

import csv
import dataclasses
import re
import time
from html.parser import HTMLParser

import nbformat
import numpy as np
import pytest
from test_similarity import INDEPENDENT, renamed_copy

from autograder import course, report, samples, similarity


class Page(HTMLParser):
    """What a reader of the page gets: images, tables with their headers and rows, scripts, links."""

    def __init__(self, text):
        super().__init__()
        self.images, self.tables, self.scripts, self.urls = [], [], 0, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        if tag == "table":
            self.tables.append({"id": attrs.get("id"), "class": attrs.get("class", ""), "headers": 0, "rows": 0})
        if tag == "th" and self.tables:
            self.tables[-1]["headers"] += 1
        if tag == "tr" and self.tables:
            self.tables[-1]["rows"] += 1
        if tag == "script":
            self.scripts += 1
        self.urls += [value for key, value in attrs.items() if key in ("src", "href") and value]


@pytest.fixture(scope="module")
def page(graded):
    return (graded / "report.html").read_text()


@pytest.fixture(scope="module")
def data(graded):
    started = time.process_time()
    gathered = report.gather(graded)
    gathered.cpu_seconds = time.process_time() - started  # read by test_the_report_costs_little_next_to_grading
    return gathered


def test_make_grade_writes_a_self_contained_report(graded, page):
    """Does `make grade` leave a report whose figures are embedded and which needs nothing from a network?"""
    parsed = Page(page)
    assignments = sorted({s.assignment for s in samples.all_samples()})
    assert len(parsed.images) == len(assignments)
    for image in parsed.images:
        assert image["src"].startswith("data:image/svg+xml;base64,") and image["alt"].startswith("Histogram")
    assert all(url.startswith(("data:", "#")) for url in parsed.urls), [u[:60] for u in parsed.urls]
    assert "<link" not in page and "@import" not in page
    sortable = [t for t in parsed.tables if "sortable" in t["class"]]
    assert len(sortable) == 2 + len(assignments)  # assignments, one table of tests each, students
    students = next(t for t in parsed.tables if t["id"] == "students-table")
    assert students["rows"] == 1 + len({s.student for s in samples.all_samples()})
    assert students["headers"] == 3 + len(assignments)
    assert parsed.scripts == 1


def test_each_assignment_has_the_scores_and_counts_its_samples_give(graded, data):
    """Are the submitted and graded counts and the score distribution of each assignment those of its specs?"""
    by_name = {a.name: a for a in data.assignments}
    for assignment in sorted({s.assignment for s in samples.all_samples()}):
        specs = samples.load_specs(assignment)
        stats = by_name[assignment]
        assert stats.submitted == stats.graded == len(specs), assignment
        assert stats.failed == 0
        assert stats.scores == sorted(s.expected for s in specs), assignment
        assert stats.points == sum(samples.test_points(assignment).values())
        assert "blank" in stats.blank_students and "reference" not in stats.blank_students
        assert stats.mean == pytest.approx(np.mean([s.expected for s in specs]))
        assert stats.quantile(0.5) == pytest.approx(np.median([s.expected for s in specs]))


def test_each_tests_pass_share_is_what_the_specs_say(data):
    """Over the submissions that are not blank, does each test pass exactly where the specs say it must?"""
    by_name = {a.name: a for a in data.assignments}
    for assignment, stats in by_name.items():
        points = samples.test_points(assignment)
        answered = [s for s in samples.load_specs(assignment) if s.student not in stats.blank_students]
        assert [t.name for t in stats.tests] == list(points), assignment
        for test in stats.tests:
            expected = sum(1 for s in answered if s.expected_scores(points)[test.name] > 0)
            assert (test.submissions, test.passed) == (len(answered), expected), (assignment, test.name)


def test_failure_messages_are_the_feedbacks_grouped_and_counted(graded, data):
    """Is every failure message shown one that the feedback gave (grades_by_test.csv), with its count among
    the submissions that are not blank?"""
    with open(graded / "grades_by_test.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    shown = 0
    for stats in data.assignments:
        for test in stats.tests:
            failing = [" ".join(r["message"].split()) for r in rows
                       if r["assignment"] == stats.name and r["test"] == test.name
                       and r["student_id"] not in stats.blank_students and float(r["score"]) < float(r["max_score"])]
            for count, message in test.failures:
                if not message.startswith("(no message"):
                    assert failing.count(message) == count, (stats.name, test.name, message)
                    shown += 1
            assert sum(count for count, _ in test.failures) <= len(failing)
    assert shown > 20


def test_test_statistics_on_a_small_class():
    """On made-up rows: are failures grouped by message, discrimination the correlation of passing with the
    rest of the score, and a test every submission passes (or fails) flagged?"""
    def rows(results):
        return [{"score": 2.0 if ok else 0.0, "max_score": 2.0, "message": "" if ok else message, "total": total}
                for ok, message, total in results]

    mixed = report.test_stats("t", 2.0, rows([(True, "", 10), (True, "", 9), (False, "A: overflow", 2),
                                              (False, "A:  overflow", 3), (False, "B: shape", 4)]))
    assert mixed.failures == [(2, "A: overflow"), (1, "B: shape")]
    assert (mixed.passed, mixed.submissions, mixed.suspect) == (2, 5, "")
    passed, rest = np.array([1, 1, 0, 0, 0.0]), np.array([8, 7, 2, 3, 4.0])
    assert mixed.discrimination == pytest.approx(np.corrcoef(passed, rest)[0, 1])
    assert mixed.discrimination > 0.9
    every = report.test_stats("t", 2.0, rows([(True, "", 5), (True, "", 3)]))
    assert every.discrimination is None and "every submission passes" in every.suspect
    none = report.test_stats("t", 2.0, rows([(False, "E", 5), (False, "E", 3)]))
    assert none.failures == [(2, "E")] and "every submission fails" in none.suspect


def test_similar_answers_are_shown_side_by_side_and_escaped(data):
    """Does a pair of similar answers appear with both cells side by side, its code escaped?"""
    match = similarity.Match("softmax", 0.93, 50, "def f(x):\n    return x < 1  # <script>",
                             "def f(y):\n    return y < 1")
    pair = similarity.Pair(data.assignments[0].name, "ada", "bob", [match])
    page = report.render(dataclasses.replace(data, pairs=[pair]))
    assert "<b>ada</b> and <b>bob</b>, 1\nnear-identical answer." in page
    assert "softmax: similarity 0.93" in page
    assert "return x &lt; 1  # &lt;script&gt;</pre>" in page and "return y &lt; 1</pre>" in page
    assert 'id="no-similar-pairs"' not in page


def test_the_report_costs_little_next_to_grading(page, data):
    """Is the report of the whole sample batch (about a hundred submissions) gathered in a few seconds of CPU,
    so that `make grade` is no slower (grading takes about 9 s of CPU per notebook), and is it the report
    that `make grade` wrote (the same page but for the time it was made)?"""
    assert data.cpu_seconds < 10
    generated = re.compile(r"generated\s+\S+ \S+")
    assert generated.sub("", report.render(data)) == generated.sub("", page)


def test_report_command_needs_a_graded_folder(tmp_path, capsys):
    """Does `make report` on a folder that was never graded say so instead of writing an empty report?"""
    assert report.main(["--out", str(tmp_path)]) == 1
    assert "no gradebook" in capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()


def test_similar_submissions_in_a_course_folder_reach_the_report(tmp_path):
    """From the graded notebooks of a course folder (OUT/submitted, OUT/release) to the page: are two
    renamed copies of the reference listed side by side, and an independent set of answers not?"""
    assignment = "02_activation_functions"
    release = nbformat.read(course.NOTEBOOKS / assignment / f"{assignment}.ipynb", as_version=4)
    reference = samples.reference_answers(assignment)
    answers = {"copy-a": {g: renamed_copy(s, "value_", "mine") for g, s in reference.items()},
               "copy-b": {g: renamed_copy(s, "tmp", "done") for g, s in reference.items()},
               "independent": INDEPENDENT}
    (tmp_path / "release" / assignment).mkdir(parents=True)
    nbformat.write(release, tmp_path / "release" / assignment / f"{assignment}.ipynb")
    for student, cells in answers.items():
        notebook = nbformat.from_dict(release)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in cells:
                cell.source = cells[grade_id]
        (tmp_path / "submitted" / student / assignment).mkdir(parents=True)
        nbformat.write(notebook, tmp_path / "submitted" / student / assignment / f"{assignment}.ipynb")
    data = report.gather(tmp_path, found=report.found_in(tmp_path), rows=[])
    assert [(p.left, p.right) for p in data.pairs] == [("copy-a", "copy-b")]
    page = report.render(data)
    assert "<b>copy-a</b> and <b>copy-b</b>" in page and "independent</b>" not in page
    softmax = next(m for m in data.pairs[0].matches if m.grade_id == "softmax")
    assert nbformat.v4.new_code_cell(softmax.left).source.replace("<", "&lt;").replace(">", "&gt;") in page
