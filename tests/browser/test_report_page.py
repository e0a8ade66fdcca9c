"""The class report in headless Chromium: `make grade` on shipped samples writes OUT/report.html, and the page,
opened from disk, shows its figures and tables, sorts a table on a click, asks nothing of a network and logs
no error. Run with `make test-browser`.

By default the samples of one assignment are graded for it (`make grade --assignments`, about a minute);
REPORT_FROM=OUT opens the report of a batch graded before (e.g. `make grade` on all samples) instead.
Either way the window is saved as build/browser/report.png (the README's picture is made this way).
"""

import os
from pathlib import Path

import pytest

from autograder import course, grade, samples

ASSIGNMENT = "05_backpropagation"  # ten samples: about a minute of grading on two cores
WINDOW = {"width": 1280, "height": 1180}  # the size of the README's picture, docs/class-report.png

ROWS_JS = """table => [...document.querySelectorAll(`#${table} tbody tr`)]
    .map(row => row.cells[row.cells.length - 1].dataset.sort).map(Number)"""


@pytest.fixture(scope="module")
def class_report(tmp_path_factory):
    """OUT/report.html of `make grade` on shipped samples (or of the batch in $REPORT_FROM)."""
    if os.environ.get("REPORT_FROM"):
        path = Path(os.environ["REPORT_FROM"]) / "report.html"
        assert path.is_file(), f"REPORT_FROM={os.environ['REPORT_FROM']} holds no report.html: run make grade first"
        return path
    out = tmp_path_factory.mktemp("report")
    grade.grade(course.SAMPLES, out, only=[ASSIGNMENT], progress=False)
    return out / "report.html"


def test_report_shows_figures_and_sortable_tables_offline(browser, class_report, screenshots):
    """Opened from disk: does every figure render, are the tables there, does a click on a column header
    sort the students (and a second click reverse them), and does the page request nothing and log no error?"""
    context = browser.new_context(viewport=WINDOW)
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(class_report.resolve().as_uri())
    page.wait_for_load_state("load")
    try:
        images = page.evaluate("() => [...document.images].map(i => ({ok: i.complete, width: i.naturalWidth}))")
        assignments = page.locator("#assignments-table tbody tr").count()
        assert assignments >= 1
        assert len(images) == assignments and all(i["ok"] and i["width"] > 0 for i in images), images
        assert page.locator("table.tests").count() == assignments
        if not os.environ.get("REPORT_FROM"):
            expected = samples.load_specs(ASSIGNMENT)
            assert page.locator("#students-table tbody tr").count() == len(expected)
            assert page.locator("table.tests tbody tr").count() == len(samples.test_points(ASSIGNMENT))
        page.screenshot(path=screenshots / "report.png")

        percent = page.locator("#students-table th").last
        percent.click()
        assert percent.get_attribute("aria-sort") == "ascending"
        ascending = page.evaluate(ROWS_JS, "students-table")
        assert ascending == sorted(ascending) and len(set(ascending)) > 1
        percent.click()
        assert page.evaluate(ROWS_JS, "students-table") == sorted(ascending, reverse=True)
        assert page.locator("#similarity").is_visible()
    finally:
        context.close()
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert errors == []
