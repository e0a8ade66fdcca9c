"""The README a user reads: its course map agrees with the notebooks, and it needs nothing outside the repository."""

import re

from autograder import course, samples

README = (course.REPO / "README.md").read_text()


def test_course_map_lists_every_notebook_with_its_points():
    """Does the course map have one row per assignment, linking its notebook, with its graded points?"""
    rows = re.findall(r"^\| (\d\d) \| \[[^\]]+\]\(notebooks/([^/]+)/\2\.ipynb\) \| [^|]+ \| (\d+) \|$", README, re.M)
    assert [assignment for _, assignment, _ in rows] == course.assignments()
    for number, assignment, points in rows:
        assert assignment.startswith(number)
        assert float(points) == sum(samples.test_points(assignment).values()), assignment


def test_readme_points_at_nothing_outside_the_repository():
    """Does the README avoid paths outside the repository (a user of the course has only the repository)?"""
    assert "../" not in README
