"""Rebuilding submissions on the release: editors that strip metadata, reorder or delete cells."""

import json

import nbformat
import pytest

from autograder import course, normalize, samples

ASSIGNMENT = "01_perceptron_xor"


@pytest.fixture
def release():
    return nbformat.read(course.NOTEBOOKS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


@pytest.fixture
def reference():
    return nbformat.read(course.SAMPLES / "reference" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def answers_of(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def test_an_untouched_reference_is_rebuilt_unchanged(release, reference):
    """Does a well-formed submission come out with exactly its own answers, found by grade id?"""
    rebuilt, repair = normalize.normalize(reference, release)
    assert answers_of(rebuilt) == answers_of(reference)
    assert set(repair.found_by.values()) == {"grade_id"}


def test_stripped_metadata_and_ids_are_matched_by_marker(release, reference):
    """Are answers found when an editor dropped all metadata and cell ids (as some save notebooks)?"""
    for cell in reference.cells:
        cell.metadata = {}
        cell.pop("id", None)
    rebuilt, repair = normalize.normalize(reference, release)
    assert set(repair.found_by.values()) == {"marker"}
    assert answers_of(rebuilt) == samples.reference_answers(ASSIGNMENT)


def test_reordered_and_deleted_cells_keep_the_release_order_and_tests(release, reference):
    """Do reversed cells and a deleted test cell still give the release's cells, tests included?"""
    reference.cells = [c for c in reversed(reference.cells)
                       if c.metadata.get("nbgrader", {}).get("grade_id") != "test_perceptron_train"]
    rebuilt, _ = normalize.normalize(reference, release)
    assert [c.get("id") for c in rebuilt.cells] == [c.get("id") for c in release.cells]
    assert answers_of(rebuilt) == samples.reference_answers(ASSIGNMENT)


def test_a_duplicated_answer_uses_the_last_copy_that_is_not_a_stub(release, reference):
    """When a student copies an answer cell, does the last answered copy count, not a leftover stub?"""
    stub = nbformat.from_dict(json.loads(json.dumps(next(c for c in release.cells
                                                          if c.get("id") == "perceptron_predict"))))
    answer = next(c for c in reference.cells if c.get("id") == "perceptron_predict")
    for cell in (stub, answer):
        cell.metadata = {}
        cell.pop("id", None)
    reference.cells.append(stub)
    rebuilt, repair = normalize.normalize(reference, release)
    assert answers_of(rebuilt)["perceptron_predict"] == answer.source
    assert repair.found_by["perceptron_predict"] == "marker"


def test_a_missing_answer_stays_a_stub_and_is_reported(release, reference):
    """Is a deleted answer cell graded as the stub and named in the repair report?"""
    reference.cells = [c for c in reference.cells if c.get("id") != "count_parameters"]
    rebuilt, repair = normalize.normalize(reference, release)
    assert repair.missing == ["count_parameters"]
    assert "raise NotImplementedError()" in answers_of(rebuilt)["count_parameters"]


@pytest.mark.parametrize("content, reason", [
    (b"", "not valid JSON"),
    (b"{\"cells\": 3}", "no list of cells"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
])
def test_unreadable_files_raise_a_clear_error(tmp_path, content, reason):
    """Does a broken file give a SubmissionError that says why?"""
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    with pytest.raises(normalize.SubmissionError, match=reason):
        normalize.read_submission(path)


def test_sources_saved_as_lists_are_joined(tmp_path, reference):
    """Are sources saved as lists of lines (as Jupyter writes them) read as text?"""
    path = tmp_path / "lines.ipynb"
    nbformat.write(reference, path)
    raw = json.loads(path.read_text())
    assert any(isinstance(c["source"], list) for c in raw["cells"])
    assert answers_of(normalize.read_submission(path)) == answers_of(reference)
