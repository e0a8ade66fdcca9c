"""The repository address in pyproject.toml reaches every notebook: badges and the Setup cell's fetch block."""

import re

import nbformat
import pytest

from autograder import course, links

REPOSITORY = links.configured()
NOTEBOOKS = [(folder, assignment) for assignment in course.assignments()
             for folder in (course.SOLUTIONS, course.NOTEBOOKS)]


def read(folder, assignment):
    return nbformat.read(folder / assignment / f"{assignment}.ipynb", as_version=4)


@pytest.mark.parametrize(("folder", "assignment"), NOTEBOOKS, ids=[f"{f.name}/{a}" for f, a in NOTEBOOKS])
def test_badges_and_fetch_block_use_the_configured_repository(folder, assignment):
    """Do the Colab and Binder badges open this assignment's student notebook in the configured repository,
    and does the Setup cell clone that same repository?"""
    notebook = read(folder, assignment)
    owner_and_name = REPOSITORY.owner_and_name
    student_notebook = f"notebooks/{assignment}/{assignment}.ipynb"
    links_in_header = re.findall(r"\]\((https://[^)\s]+)\)", notebook.cells[0].source)
    assert f"https://colab.research.google.com/github/{owner_and_name}/blob/{REPOSITORY.branch}/{student_notebook}" \
        in links_in_header
    assert f"https://mybinder.org/v2/gh/{owner_and_name}/{REPOSITORY.branch}?urlpath=lab/tree/{student_notebook}" \
        in links_in_header
    assert (course.REPO / student_notebook).is_file()
    setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert f'os.environ.get("COURSE_REPOSITORY", "{REPOSITORY.url}")' in setup.source
    assert f'"--branch={REPOSITORY.branch}"' in setup.source
    assert setup.source.index("sys.path.insert(0, COURSE_HOME)") < setup.source.index("import keras")


def test_solutions_are_stamped():
    """Would `make release` change a solution? (Then someone edited a badge or the fetch block by hand.)"""
    assert links.stamp(course.assignments(), check_only=True) == []


def test_a_fork_changes_every_link_and_stamping_twice_changes_nothing():
    """An instructor's fork: a new address replaces the old one everywhere, once."""
    fork = links.Repository("https://github.com/some-teacher/our-course", "spring")
    assignment = course.assignments()[0]
    once = links.stamped(read(course.SOLUTIONS, assignment), fork, assignment)
    twice = links.stamped(nbformat.from_dict(once), fork, assignment)
    assert nbformat.writes(once) == nbformat.writes(twice)
    text = nbformat.writes(once)
    assert REPOSITORY.url not in text and REPOSITORY.owner_and_name not in text
    assert text.count("some-teacher/our-course") == 3  # two badges and the Setup cell's address
    assert once.cells[0].source.count("[![Open In Colab]") == 1


def test_an_address_that_is_not_github_is_a_clear_error():
    with pytest.raises(course.GradingError, match="OWNER/NAME"):
        links.Repository("https://gitlab.com/a/b", "main").colab_url("notebooks/x.ipynb")
