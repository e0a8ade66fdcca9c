"""Build the sample submissions in autograder/samples/ from their specs (`make samples`).

    python -m autograder.samples [--check]

Each autograder/sample_specs/<assignment>.toml names sample students. A sample starts from the
student release (notebooks/<assignment>/), takes the reference answers of the cells it lists (or of
every answer cell when ``base = "reference"``), then applies its text replacements: a known mistake
is written as the reference answer with one small edit. ``zero`` lists the tests the sample must
fail; it must pass every other test. ``--check`` fails if a committed sample differs from a fresh build.
"""

import argparse
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import course

SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


@dataclass
class Sample:
    student: str
    assignment: str
    why: str
    base: str  # "reference" (every answer filled in) or "blank" (the untouched release)
    answers: list[str] = field(default_factory=list)  # answer cells filled in on a blank base
    replace: list[dict] = field(default_factory=list)  # {cell, old, new}: edits of answer cells
    zero: list[str] = field(default_factory=list)  # tests this sample must fail; it passes the others
    expected: float = 0.0  # the total that follows from `zero`, written down for the reader

    def expected_scores(self, points: dict[str, float]) -> dict[str, float]:
        unknown = set(self.zero) - set(points)
        if unknown:
            raise ValueError(f"{self.assignment}/{self.student}: no test cells {sorted(unknown)}")
        scores = {test: 0.0 if test in self.zero else max_points for test, max_points in points.items()}
        if sum(scores.values()) != self.expected:
            raise ValueError(f"{self.assignment}/{self.student}: `expected = {self.expected}` but the tests"
                             f" it passes are worth {sum(scores.values())}")
        return scores


def load_specs(assignment: str) -> list[Sample]:
    path = course.SAMPLE_SPECS / f"{assignment}.toml"
    specs = tomllib.loads(path.read_text())
    samples = []
    for student, spec in specs.items():
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", student):
            raise ValueError(f"{path.name}: student id {student!r} must be lower-case letters, digits and -")
        samples.append(Sample(student=student, assignment=assignment, **spec))
    return samples


def all_samples() -> list[Sample]:
    return [s for a in course.assignments() if (course.SAMPLE_SPECS / f"{a}.toml").exists()
            for s in load_specs(a)]


def test_points(assignment: str) -> dict[str, float]:
    """Points of each graded test cell in the source notebook, by grade id."""
    nb = nbformat.read(course.SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"])
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}


def reference_answers(assignment: str) -> dict[str, str]:
    """The source of each answer cell of the solution, without the solution markers."""
    nb = nbformat.read(course.SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    answers = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [line for line in cell.source.splitlines() if not SOLUTION_MARKER.match(line)]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


def build(sample: Sample) -> nbformat.NotebookNode:
    release = course.NOTEBOOKS / sample.assignment / f"{sample.assignment}.ipynb"
    nb = nbformat.read(release, as_version=4)
    reference = reference_answers(sample.assignment)
    if sample.base == "reference":
        filled = set(reference)
    elif sample.base == "blank":
        filled = set(sample.answers)
    else:
        raise ValueError(f"{sample.student}: base must be 'reference' or 'blank', not {sample.base!r}")
    edits = {}
    for edit in sample.replace:
        edits.setdefault(edit["cell"], []).append(edit)
    unknown = (filled | set(edits)) - set(reference)
    if unknown:
        raise ValueError(f"{sample.assignment}/{sample.student}: no answer cells {sorted(unknown)}")
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in filled or grade_id in edits:
            source = reference[grade_id]
            for edit in edits.get(grade_id, []):
                if source.count(edit["old"]) != 1:
                    raise ValueError(f"{sample.student}: {edit['old']!r} must occur once in cell {grade_id}")
                source = source.replace(edit["old"], edit["new"])
            cell.source = source
    return nb


def sample_path(root: Path, sample: Sample) -> Path:
    return root / sample.student / sample.assignment / f"{sample.assignment}.ipynb"


def render(nb: nbformat.NotebookNode) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed samples")
    args = parser.parse_args(argv)
    stale = []
    for sample in all_samples():
        path = sample_path(course.SAMPLES, sample)
        text = render(build(sample))
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(course.REPO)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print("stale samples (run `make samples`):\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
