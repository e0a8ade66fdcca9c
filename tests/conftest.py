import matplotlib
import pytest

matplotlib.use("Agg")


def pytest_addoption(parser):
    parser.addoption("--platforms", action="store_true",
                     help="also run tests/platforms/ (a fresh install as Binder does it): `make test-platforms`")


def pytest_ignore_collect(collection_path, config):
    if collection_path.name == "platforms" and not config.getoption("--platforms"):
        return True
    return None


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """The course folder after `make grade` on every shipped sample and fixture (graded once per session)."""
    from autograder import course, grade

    out = tmp_path_factory.mktemp("grade")
    grade.grade(course.SAMPLES, out, progress=False)
    return out
