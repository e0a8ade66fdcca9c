"""Build the sample submissions in autograder/samples/ from their specs (`make samples`).

    python -m autograder.samples [--check] [--assignments A ...] [--grade [--out DIR]]

Each autograder/sample_specs/<assignment>.toml names sample students. A sample starts from the
student release (notebooks/<assignment>/), takes the reference answers of the cells it lists (or of
every answer cell when ``base = "reference"``), then applies its text replacements: a known mistake
is written as the reference answer with one small edit. An attack on the grader (``prepend``) puts the
code of a file under sample_specs/ first in an answer cell, and ``stubs_return`` makes the unanswered
functions return a value instead of raising. ``zero`` lists the tests the sample must fail; it must pass
every other test. ``like`` takes another sample's answers, edits and scores, to add something to them.
``--check`` fails if a committed sample differs from a fresh build.
``--grade`` then grades the samples (of ``--assignments`` only, while you work on a notebook) and lists
every test whose score differs from what its spec says.
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
    zero: list[str] = field(default_factory=list)  # tests this sample must fail ("*": all); it passes the others
    expected: float = 0.0  # the total that follows from `zero`, written down for the reader
    transform: list[str] = field(default_factory=list)  # what an editor or a student did to the file
    files: dict[str, str] = field(default_factory=dict)  # extra files handed in beside the notebook
    saved_as: list[str] = field(default_factory=list)  # the file names the notebook was handed in under, if renamed
    prepend: list[dict] = field(default_factory=list)  # {cell, file}: code put first in an answer cell (attacks/)
    stubs_return: str = ""  # an expression the unanswered functions return instead of raising

    def expected_scores(self, points: dict[str, float]) -> dict[str, float]:
        zero = set(points) if self.zero == ["*"] else set(self.zero)
        unknown = zero - set(points)
        if unknown:
            raise ValueError(f"{self.assignment}/{self.student}: no test cells {sorted(unknown)}")
        scores = {test: 0.0 if test in zero else max_points for test, max_points in points.items()}
        if sum(scores.values()) != self.expected:
            raise ValueError(f"{self.assignment}/{self.student}: `expected = {self.expected}` but the tests"
                             f" it passes are worth {sum(scores.values())}")
        return scores


def load_specs(assignment: str) -> list[Sample]:
    """The samples of one assignment: <assignment>.toml and any <assignment>-<topic>.toml."""
    samples, specs = [], {}
    for path in sorted(course.SAMPLE_SPECS.glob(f"{assignment}*.toml")):
        specs |= {(path, student): spec for student, spec in tomllib.loads(path.read_text()).items()}
    by_student = {student: spec for (_, student), spec in specs.items()}
    for (path, student), spec in specs.items():
        if "like" in spec:  # the same answers, edits and scores as another sample, plus what this one adds
            if spec["like"] not in by_student:
                raise ValueError(f"{path.name}: {student} is like {spec['like']!r}, which is not a sample")
            spec = {**{k: v for k, v in by_student[spec["like"]].items() if k != "why"},
                    **{k: v for k, v in spec.items() if k != "like"}}
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", student):
            raise ValueError(f"{path.name}: student id {student!r} must be lower-case letters, digits and -")
        if any(s.student == student for s in samples):
            raise ValueError(f"{path.name}: student {student!r} is defined twice for {assignment}")
        samples.append(Sample(student=student, assignment=assignment, **spec))
    return samples


def all_samples(assignments: list[str] | None = None) -> list[Sample]:
    return [s for a in assignments or course.assignments() for s in load_specs(a)]


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
    prepends: dict[str, list[str]] = {}
    for edit in sample.prepend:
        prepends.setdefault(edit["cell"], []).append((course.SAMPLE_SPECS / edit["file"]).read_text())
    unknown = set(prepends) - set(reference)
    if unknown:
        raise ValueError(f"{sample.assignment}/{sample.student}: no answer cells {sorted(unknown)}")
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if sample.stubs_return and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = re.sub(r"^([ \t]+)raise NotImplementedError\(\)", rf"\1return {sample.stubs_return}",
                                 cell.source, flags=re.M)
            cell.source = re.sub(r"^raise NotImplementedError\(\)", "pass", cell.source, flags=re.M)
        if grade_id in prepends:
            cell.source = "\n\n".join([*prepends[grade_id], cell.source])
    return nb


def is_test(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def colab_save(nb) -> None:
    """As Colab saves a notebook: nbgrader metadata and cell ids gone, its own metadata instead."""
    nb.metadata = {"colab": {"provenance": []}, "kernelspec": {"name": "python3", "display_name": "Python 3"},
                   "language_info": {"name": "python"}}
    for index, cell in enumerate(nb.cells):
        cell.pop("id", None)
        cell.metadata = {"id": f"colab{index:04d}"}


def reverse_cells(nb) -> None:
    nb.cells = nb.cells[::-1]


def duplicate_cells(nb) -> None:
    nb.cells = [copy for cell in nb.cells for copy in (cell, cell)]


def change_kernelspec(nb) -> None:
    nb.metadata["kernelspec"] = {"name": "conda-env-dl-py", "display_name": "Python [conda env:dl]",
                                 "language": "python"}
    nb.metadata["vscode"] = {"interpreter": {"hash": "0" * 64}}


def empty_tests(nb) -> None:
    for cell in nb.cells:
        if is_test(cell):
            cell.source = "pass"


def delete_tests(nb) -> None:
    nb.cells = [cell for cell in nb.cells if not is_test(cell)]


# What an editor or a student did to the notebook; each changes it in place.
TRANSFORMS = {"colab-save": colab_save, "reverse-cells": reverse_cells, "duplicate-cells": duplicate_cells,
              "change-kernelspec": change_kernelspec, "empty-tests": empty_tests, "delete-tests": delete_tests}
# What happened to the file: a notebook whose list of cells was lost (valid JSON, not a notebook), or none.
FILE_TRANSFORMS = {"not-a-notebook", "no-notebook"}


def sample_path(root: Path, sample: Sample) -> Path:
    return root / sample.student / sample.assignment / f"{sample.assignment}.ipynb"


def render(nb: nbformat.NotebookNode) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def sample_files(sample: Sample) -> dict[str, str]:
    """The files of a sample submission: relative path -> text."""
    unknown = set(sample.transform) - set(TRANSFORMS) - FILE_TRANSFORMS
    if unknown:
        raise ValueError(f"{sample.student}: unknown transforms {sorted(unknown)}")
    nb = build(sample)
    for name in sample.transform:
        if name in TRANSFORMS:
            TRANSFORMS[name](nb)
    files = dict(sample.files)
    for notebook in sample.saved_as or [f"{sample.assignment}.ipynb"]:
        if "not-a-notebook" in sample.transform:
            files[notebook] = render({key: value for key, value in nb.items() if key != "cells"})
        elif "no-notebook" not in sample.transform:
            files[notebook] = render(nb)
    return files


def write(chosen: list[Sample], check: bool, assignments: list[str]) -> list[str]:
    """Write (or with ``check`` compare) the files of ``chosen``; return what is stale."""
    stale = []
    expected_paths = set()
    for sample in chosen:
        folder = course.SAMPLES / sample.student / sample.assignment
        for name, text in sample_files(sample).items():
            path = folder / name
            expected_paths.add(path)
            if check:
                if not path.exists() or path.read_text() != text:
                    stale.append(str(path.relative_to(course.REPO)))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    ours = [p for p in course.SAMPLES.rglob("*")
            if p.is_file() and p.relative_to(course.SAMPLES).parts[1] in assignments]
    for path in sorted(p for p in ours if p not in expected_paths):
        if check:
            stale.append(f"{path.relative_to(course.REPO)} (no spec makes it)")
        else:
            path.unlink()
    for folder in sorted((p for p in course.SAMPLES.rglob("*") if p.is_dir()), reverse=True):
        if not check and not any(folder.iterdir()):
            folder.rmdir()
    return stale


def verify(chosen: list[Sample], assignments: list[str], out: Path, workers: int | None = None) -> list[str]:
    """Grade ``chosen`` into ``out``; return, for each sample whose scores differ from its spec, what differs."""
    from nbgrader.api import Gradebook

    from autograder import grade

    grade.grade(course.SAMPLES, out, workers=workers, only=assignments, fresh=True, progress=False)
    differences = []
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        for sample in chosen:
            expected = sample.expected_scores(test_points(sample.assignment))
            notebook = gradebook.find_submission_notebook(sample.assignment, sample.assignment, sample.student)
            got = {g.name: g.score for g in notebook.grades}
            wrong = {t: (got.get(t), points) for t, points in expected.items() if got.get(t) != points}
            if wrong:
                differences.append(f"{sample.assignment}/{sample.student}: " + ", ".join(
                    f"{test} scored {scored} (spec: {points})" for test, (scored, points) in wrong.items()))
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed samples")
    parser.add_argument("--assignments", nargs="+", help="only these assignments (default: all)")
    parser.add_argument("--grade", action="store_true", help="then grade them and compare with their specs")
    parser.add_argument("--out", type=Path, default=course.REPO / "build" / "samples",
                        help="course folder for --grade (default: build/samples)")
    parser.add_argument("--workers", type=int, default=None,
                        help="grading processes for --grade (default: one per core)")
    args = parser.parse_args(argv)
    assignments = args.assignments or course.assignments()
    unknown = sorted(set(assignments) - set(course.assignments()))
    if unknown:
        print(f"no such assignment in solutions/: {', '.join(unknown)}", file=sys.stderr)
        return 1
    chosen = all_samples(assignments)
    stale = write(chosen, args.check, assignments)
    if stale:
        print("stale samples (run `make samples`):\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    if args.grade:
        differences = verify(chosen, assignments, args.out, args.workers)
        for line in differences:
            print(line, file=sys.stderr)
        print(f"{len(chosen) - len(differences)} of {len(chosen)} samples earn exactly their spec's scores")
        return 1 if differences else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
