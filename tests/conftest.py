import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """The course folder after `make grade` on every shipped sample and fixture (graded once per session)."""
    from autograder import course, grade

    out = tmp_path_factory.mktemp("grade")
    grade.grade(course.SAMPLES, out, progress=False)
    return out
