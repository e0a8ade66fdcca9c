"""The sample submissions match their specs, and the specs are consistent."""

import pytest

from autograder import samples

ALL = samples.all_samples()


def test_committed_samples_equal_a_fresh_build():
    """Would `make samples` leave autograder/samples/ unchanged?"""
    assert samples.main(["--check"]) == 0


@pytest.mark.parametrize("sample", ALL, ids=lambda s: f"{s.assignment}/{s.student}")
def test_expected_total_follows_from_the_failed_tests(sample):
    """Does each spec's `expected` equal the points of the tests it must pass?"""
    sample.expected_scores(samples.test_points(sample.assignment))


def test_every_assignment_has_reference_blank_partial_and_mistakes():
    """Does every assignment have the reference, the blank, a partial and at least one mistake?"""
    by_assignment = {}
    for sample in ALL:
        by_assignment.setdefault(sample.assignment, set()).add(sample.student)
    for assignment, students in by_assignment.items():
        assert {"reference", "blank", "partial"} <= students, assignment
        assert any(s.startswith(("mistake-", "mistakes-")) for s in students), assignment


def test_a_replacement_that_does_not_match_is_an_error():
    """Is a mistake whose `old` text is not in the answer refused, rather than silently a reference?"""
    reference = next(s for s in ALL if s.student == "reference")
    broken = samples.Sample(student="broken", assignment=reference.assignment, why="", base="reference",
                            replace=[{"cell": next(iter(samples.reference_answers(reference.assignment))),
                                      "old": "text that is not there", "new": ""}])
    with pytest.raises(ValueError, match="must occur once"):
        samples.build(broken)
