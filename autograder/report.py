"""The class report, OUT/report.html: what a graded batch says about the class, in one offline page.

    python -m autograder.report [--out OUT]

Written by every `make grade` (and by `make watch` after each submission). One self-contained HTML
file: its figures are embedded (SVG drawn by Matplotlib), its tables sort by a click on a column
header with a few lines of JavaScript inside the page, and nothing is fetched from anywhere.

Per assignment: the distribution of the scores (a histogram), mean, median and quartiles; how many
submitted, were graded blank (no answer cell changed), had problems (problems.txt) or could not be
graded. Per test, over the submissions that are not blank: the share that passed; its discrimination,
the correlation between passing it and the rest of the assignment's score (the corrected item-total
correlation: near 0 or negative, the test does not tell stronger answers from weaker ones); and the
most frequent failure messages, grouped by the hint they gave. A test that every such submission
passes, or every one fails, is flagged as suspect. Per student: a row across all assignments.
Similar answers (similarity.py) are listed side by side, as a hint for a person, never a penalty.

Per-test messages are read as export.py reads them (feedback.test_messages on the autograded notebooks),
so the report says what the feedback pages say.
"""

import argparse
import base64
import io
import re
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import jinja2
import nbformat
import numpy as np

from autograder import course, export, similarity

TOP_MESSAGES = 3  # failure messages shown per test


@dataclass
class TestStats:
    name: str
    points: float
    submissions: int  # not blank, graded
    passed: int
    mean: float
    discrimination: float | None
    suspect: str = ""
    failures: list[tuple[int, str]] = field(default_factory=list)  # (students, message), most frequent first

    @property
    def pass_rate(self) -> float:
        return self.passed / self.submissions if self.submissions else 0.0


@dataclass
class AssignmentStats:
    name: str
    points: float
    submitted: int
    graded: int
    blank: int
    with_problems: int
    failed: int
    scores: list[float]
    tests: list[TestStats]
    blank_students: list[str] = field(default_factory=list)
    figure: str = ""  # a data: URI (SVG)

    def quantile(self, q: float) -> float | None:
        return float(np.quantile(self.scores, q)) if self.scores else None

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores) if self.scores else None


@dataclass
class ClassData:
    out: Path
    generated: str
    assignments: list[AssignmentStats]
    students: list[str]
    scores: dict[tuple[str, str], float]  # (student, assignment) -> score
    problems: dict[tuple[str, str], list[str]]
    unplaced: dict[str, list[str]]  # assignment -> files of an LMS download that were not placed
    pairs: list[similarity.Pair]


def found_in(out: Path) -> dict[str, list[str]]:
    """{assignment: [students]} of the submissions in a course folder (OUT/submitted)."""
    found: dict[str, list[str]] = {}
    for folder in sorted((out / "submitted").glob("*/*")):
        if folder.is_dir():
            found.setdefault(folder.name, []).append(folder.parent.name)
    return found


def read_problems(out: Path) -> dict[tuple[str, str], list[str]]:
    """problems.txt, by submission: lines ``student/assignment: problem``."""
    problems: dict[tuple[str, str], list[str]] = {}
    path = out / "problems.txt"
    for line in path.read_text().splitlines() if path.exists() else []:
        match = re.match(r"([^/\s]+)/([^:\s]+): (.*)", line)
        if match:
            problems.setdefault((match[1], match[2]), []).append(match[3])
    return problems


def read_unplaced(out: Path) -> dict[str, list[str]]:
    unplaced = {}
    for path in sorted((out / "downloaded").glob("*/unplaced.txt")):
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        if lines:
            unplaced[path.parent.name] = lines
    return unplaced


def test_points(out: Path, assignment: str) -> dict[str, float]:
    """The graded tests of an assignment and their points, in notebook order (from OUT/source)."""
    source = out / "source" / assignment / f"{assignment}.ipynb"
    if not source.exists():
        return {}
    nb = nbformat.read(source, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"].get("points", 0))
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}


def discrimination(passed: np.ndarray, rest: np.ndarray) -> float | None:
    """Pearson correlation between passing a test (0/1) and the rest of the score; None where undefined."""
    if len(passed) < 3 or passed.std() == 0 or rest.std() == 0:
        return None
    return float(np.corrcoef(passed, rest)[0, 1])


def message_key(message: str) -> str:
    return " ".join(message.split())


def test_stats(name: str, points: float, rows: list[dict]) -> TestStats:
    """One test over the rows (one per non-blank graded submission) that carry its score and message."""
    passed = np.array([1.0 if r["score"] >= r["max_score"] > 0 else 0.0 for r in rows])
    rest = np.array([r["total"] - r["score"] for r in rows])
    failures = Counter(message_key(r["message"]) or "(no message: the test cell gave no error text)"
                       for r in rows if r["score"] < r["max_score"])
    stats = TestStats(name, points, len(rows), int(passed.sum()),
                      statistics.fmean(r["score"] for r in rows) if rows else 0.0,
                      discrimination(passed, rest),
                      failures=[(count, message) for message, count in failures.most_common(TOP_MESSAGES)])
    if len(rows) >= 2 and stats.passed == len(rows):
        stats.suspect = "every submission passes it: does it test enough?"
    elif len(rows) >= 2 and stats.passed == 0:
        stats.suspect = "every submission fails it: is the test (or its reference) right?"
    return stats


def histogram(name: str, scores: list[float], points: float) -> str:
    """The distribution of an assignment's scores, as an SVG data: URI."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.2, 2.2))
    axes = figure.add_subplot()
    bins = np.linspace(0, points, int(min(max(points, 1), 20)) + 1) if points else 10
    axes.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    if scores:
        axes.axvline(statistics.median(scores), color="#dd8452", linewidth=2, label="median")
        axes.axvline(statistics.fmean(scores), color="#55a868", linewidth=2, linestyle="--", label="mean")
        axes.legend(frameon=False, fontsize=8)
    axes.set_xlim(0, max(points, 1))
    axes.set_xlabel(f"score (of {points:g})", fontsize=8)
    axes.set_ylabel("submissions", fontsize=8)
    axes.tick_params(labelsize=8)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    figure.subplots_adjust(left=0.14, right=0.98, top=0.95, bottom=0.22)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": name}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def gather(out: Path, found: dict[str, list[str]] | None = None, rows: list[dict] | None = None) -> ClassData:
    """Everything the report shows, from the course folder (and the per-test rows, if already read)."""
    out = Path(out).resolve()
    found = found if found is not None else found_in(out)
    rows = rows if rows is not None else export.per_question_rows(out, found)
    problems = read_problems(out)
    by_submission: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        by_submission.setdefault((row["student_id"], row["assignment"]), []).append(row)
    scores = {key: sum(r["score"] for r in tests) for key, tests in by_submission.items()}
    assignments, pairs = [], []
    for assignment, students in sorted(found.items()):
        release = out / "release" / assignment / f"{assignment}.ipynb"
        stubs = similarity.answer_cells(nbformat.read(release, as_version=4)) if release.exists() else {}
        answers, blank = {}, set()
        for student in students:
            submitted = out / "submitted" / student / assignment / f"{assignment}.ipynb"
            if submitted.exists():
                answers[student] = similarity.answer_cells(nbformat.read(submitted, as_version=4))
            if all(answers.get(student, {}).get(g, stub).strip() == stub.strip() for g, stub in stubs.items()):
                blank.add(student)
        graded = [s for s in students if (s, assignment) in by_submission]
        tests_points = test_points(out, assignment)
        for s in graded:  # a test the source no longer has is still shown
            for r in by_submission[(s, assignment)]:
                tests_points.setdefault(r["test"], float(r["max_score"]))
        points = sum(tests_points.values())
        answered = [s for s in graded if s not in blank]
        tests = []
        for test, test_max in tests_points.items():
            test_rows = [{**r, "total": scores[(s, assignment)]} for s in answered
                         for r in by_submission[(s, assignment)] if r["test"] == test]
            tests.append(test_stats(test, test_max, test_rows))
        stats = AssignmentStats(assignment, points, len(students), len(graded), len(blank & set(students)),
                                sum(1 for s in students if problems.get((s, assignment))),
                                len(students) - len(graded), sorted(scores[(s, assignment)] for s in graded), tests,
                                sorted(blank))
        stats.figure = histogram(assignment, stats.scores, points)
        assignments.append(stats)
        pairs += similarity.similar_pairs(assignment, answers, stubs)
    students = sorted({s for students in found.values() for s in students})
    return ClassData(out, datetime.now().strftime("%Y-%m-%d %H:%M"), assignments, students, scores, problems,
                     read_unplaced(out), pairs)


def number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


TEMPLATE = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string("""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class report: {{ data.students|length }} students, {{ data.assignments|length }} assignments</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 0 1.5em 3em; color: #1d1d1f; }
h1 { margin-bottom: 0.1em; } h2 { margin-top: 2em; border-bottom: 2px solid #ddd; }
.meta { color: #666; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; }
th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #e5e5e5; text-align: right; vertical-align: top;
         white-space: nowrap; }
th { background: #f4f4f6; position: sticky; top: 0; }
th.sortable { cursor: pointer; user-select: none; }
th.sortable::after { content: " ⇅"; color: #aaa; }
th[aria-sort=ascending]::after { content: " ▲"; color: #333; }
th[aria-sort=descending]::after { content: " ▼"; color: #333; }
td.text, th.text { text-align: left; white-space: normal; }
figure { margin: 0; }
.summary { display: flex; gap: 1.5em; align-items: center; }
.summary figcaption { max-width: 28em; }
table.tests td.text:last-child { min-width: 30em; }
.bar { display: inline-block; height: 0.7em; background: #4c72b0; vertical-align: middle; }
.suspect { color: #b00020; }
.failures { margin: 0; padding-left: 1em; text-align: left; font-size: 12px; }
.failures li { margin-bottom: 0.2em; }
.none { color: #999; }
.pair { border: 1px solid #ddd; border-radius: 6px; margin: 1em 0; padding: 0.5em 1em; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
pre { background: #f7f7f9; padding: 0.6em; overflow-x: auto; font-size: 12px; margin: 0.3em 0; }
.score-full { background: #e3f4e6; } .score-zero { background: #fbe3e6; }
</style>
</head>
<body>
<h1>Class report</h1>
<p class="meta">{{ data.students|length }} students, {{ data.assignments|length }} assignments, generated
{{ data.generated }} from <code>{{ data.out }}</code>. Click a column header to sort.</p>

<h2 id="overview">Assignments</h2>
<table class="sortable" id="assignments-table">
<thead><tr><th class="text">assignment</th><th>points</th><th>submitted</th><th>graded</th><th>blank</th>
<th>with problems</th><th>not graded</th><th>mean</th><th>Q1</th><th>median</th><th>Q3</th></tr></thead>
<tbody>
{% for a in data.assignments %}
<tr><td class="text"><a href="#{{ a.name }}">{{ a.name }}</a></td><td>{{ num(a.points) }}</td><td>{{ a.submitted }}</td>
<td>{{ a.graded }}</td><td>{{ a.blank }}</td><td>{{ a.with_problems }}</td><td>{{ a.failed }}</td>
<td>{{ num(a.mean) }}</td><td>{{ num(a.quantile(0.25)) }}</td><td>{{ num(a.quantile(0.5)) }}</td>
<td>{{ num(a.quantile(0.75)) }}</td></tr>
{% endfor %}
</tbody></table>

{% for a in data.assignments %}
<h2 id="{{ a.name }}">{{ a.name }}</h2>
<figure class="summary">
<img src="{{ a.figure }}" width="420" height="220"
     alt="Histogram of the scores of {{ a.name }}: {{ a.graded }} graded submissions,
          mean {{ num(a.mean) }}, median {{ num(a.quantile(0.5)) }} of {{ num(a.points) }} points">
<figcaption>{{ a.graded }} graded of {{ a.submitted }} submitted; {{ a.blank }} blank, {{ a.with_problems }} with
problems, {{ a.failed }} not graded. Mean {{ num(a.mean) }}, quartiles {{ num(a.quantile(0.25)) }} /
{{ num(a.quantile(0.5)) }} / {{ num(a.quantile(0.75)) }} of {{ num(a.points) }}.</figcaption>
</figure>
<p>Per test, over the {{ a.tests[0].submissions if a.tests else 0 }} graded submissions that are not blank.
Discrimination: the correlation between passing the test and the rest of the score (— where it is undefined).</p>
<table class="sortable tests">
<thead><tr><th class="text">test</th><th>points</th><th>passed</th><th>discrimination</th>
<th class="text">most frequent failures</th></tr></thead>
<tbody>
{% for t in a.tests %}
<tr{% if t.suspect %} class="suspect"{% endif %}><td class="text">{{ t.name }}
{% if t.suspect %}<br><small>suspect: {{ t.suspect }}</small>{% endif %}</td>
<td>{{ num(t.points) }}</td>
<td data-sort="{{ t.pass_rate }}"><span class="bar" style="width: {{ (t.pass_rate * 60)|round|int }}px"></span>
{{ (t.pass_rate * 100)|round|int }}&nbsp;% ({{ t.passed }}/{{ t.submissions }})</td>
<td data-sort="{{ t.discrimination if t.discrimination is not none else -2 }}">{{ num(t.discrimination, 2) }}</td>
<td class="text">{% if t.failures %}<ul class="failures">{% for count, message in t.failures %}
<li><b>{{ count }} student{{ 's' if count != 1 }}</b>: {{ message|truncate(220) }}</li>{% endfor %}</ul>
{% else %}<span class="none">none</span>{% endif %}</td></tr>
{% endfor %}
</tbody></table>
{% set listed = problem_list(a.name) %}
{% if listed %}
<details><summary>{{ listed|length }} problems in {{ a.name }}</summary><ul>
{% for student, problem in listed %}<li><b>{{ student }}</b>: {{ problem }}</li>{% endfor %}
</ul></details>
{% endif %}
{% if data.unplaced.get(a.name) %}
<details><summary>{{ data.unplaced[a.name]|length }} files of the LMS download not placed</summary><ul>
{% for line in data.unplaced[a.name] %}<li>{{ line }}</li>{% endfor %}
</ul></details>
{% endif %}
{% endfor %}

<h2 id="students">Students</h2>
<table class="sortable" id="students-table">
<thead><tr><th class="text">student</th>
{% for a in data.assignments %}<th>{{ a.name }}<br><small>of {{ num(a.points) }}</small></th>{% endfor %}
<th>total</th><th>%</th></tr></thead>
<tbody>
{% for s in data.students %}
{% set row = student_row(s) %}
<tr><td class="text">{{ s }}</td>
{% for a, score in row.cells %}{% if score is none %}<td class="none" data-sort="-1">—</td>{% else %}
<td data-sort="{{ score }}"
    class="{{ 'score-full' if score >= a.points > 0 else ('score-zero' if score == 0 else '') }}">{{ num(score) }}</td>
{% endif %}{% endfor %}
<td data-sort="{{ row.total }}">{{ num(row.total) }}</td>
<td data-sort="{{ row.percent }}">{{ num(row.percent, 0) }}</td></tr>
{% endfor %}
</tbody></table>

<h2 id="similarity">Similar answers</h2>
<p>Pairs of submissions whose answer cells are near-identical once names, comments, docstrings and layout are
set aside (an answer most of the class shares is left out). A hint for a person to look at: similar answers
happen for honest reasons, and nothing here changes a grade.</p>
{% if not data.pairs %}
<p class="none" id="no-similar-pairs">No pair of submissions has near-identical answers.</p>
{% endif %}
{% for p in data.pairs %}
<div class="pair">
<p><b>{{ p.assignment }}</b>: <b>{{ p.left }}</b> and <b>{{ p.right }}</b>, {{ p.matches|length }}
near-identical answer{{ 's' if p.matches|length > 1 }}.</p>
{% for m in p.matches %}
<details{% if loop.first %} open{% endif %}><summary>{{ m.grade_id }}: similarity {{ num(m.similarity, 2) }}</summary>
<div class="side"><div><small>{{ p.left }}</small><pre>{{ m.left }}</pre></div>
<div><small>{{ p.right }}</small><pre>{{ m.right }}</pre></div></div>
</details>
{% endfor %}
</div>
{% endfor %}
<script>
// Sort a table by the clicked column: by data-sort where a cell has it, else by its text; numbers as numbers.
document.querySelectorAll("table.sortable").forEach(table => {
  table.querySelectorAll("th").forEach((th, column) => {
    th.classList.add("sortable");
    th.tabIndex = 0;
    const sort = () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(other => other.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const key = row => {
        const cell = row.cells[column];
        const value = cell.dataset.sort ?? cell.textContent.trim();
        const asNumber = parseFloat(value);
        return isNaN(asNumber) ? value.toLowerCase() : asNumber;
      };
      const body = table.tBodies[0];
      [...body.rows].sort((a, b) => {
        const x = key(a), y = key(b);
        const order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
        return ascending ? order : -order;
      }).forEach(row => body.appendChild(row));
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", event => { if (event.key === "Enter") sort(); });
  });
});
</script>
</body>
</html>
""")


def render(data: ClassData) -> str:
    by_name = {a.name: a for a in data.assignments}

    def problem_list(assignment):
        return [(s, p) for (s, a), ps in sorted(data.problems.items()) if a == assignment for p in ps]

    def student_row(student):
        cells = [(a, data.scores.get((student, a.name))) for a in data.assignments]
        total = sum(score for _, score in cells if score is not None)
        possible = sum(by_name[a.name].points for a, score in cells if score is not None)
        return {"cells": cells, "total": total, "percent": 100 * total / possible if possible else 0.0}

    return TEMPLATE.render(data=data, num=number, problem_list=problem_list, student_row=student_row)


def write_report(out: Path, found: dict[str, list[str]] | None = None, rows: list[dict] | None = None,
                 path: Path | None = None) -> Path:
    """Write OUT/report.html (or ``path``) for the graded course folder ``out``; return its path."""
    path = Path(path) if path else Path(out) / "report.html"
    path.write_text(render(gather(out, found, rows)), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=course.REPO / "build" / "grade", help="the graded course folder")
    args = parser.parse_args(argv)
    if not (args.out / "gradebook.db").exists():
        print(f"no gradebook in {args.out}: grade first (make grade OUT={args.out})", file=sys.stderr)
        return 1
    print(f"report: {write_report(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
