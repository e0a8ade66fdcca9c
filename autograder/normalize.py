"""Rebuild a submission on the release, so that notebooks saved by any editor grade like the original.

The graded notebook is the student release with each answer cell's source taken from the
submission. An answer cell is found, in this order, by its nbgrader grade id, by its cell id, or by
its marker: the first line of the release's cell (``def perceptron_predict(X, w, b):``). When a
cell occurs several times, the last one wins (it is the one the student ran last). Test cells,
instructions and everything else come from the release, so edited, deleted, reordered or stripped
cells, a changed kernelspec or extra metadata change nothing. Code the student wrote outside the
answer cells is not graded.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

STUB_LINES = ("# YOUR CODE HERE", "raise NotImplementedError()")


class SubmissionError(ValueError):
    """The file is not a notebook that can be graded; the message says why, for the student."""


@dataclass
class Repair:
    """How each answer was found in a submission: grade_id, cell id, marker, or missing."""

    found_by: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [grade_id for grade_id, how in self.found_by.items() if how == "missing"]

    def summary(self) -> str:
        return ", ".join(f"{grade_id}: {how}" for grade_id, how in self.found_by.items())


def read_submission(path: Path) -> nbformat.NotebookNode:
    """Read a submitted notebook, or raise SubmissionError saying why it cannot be read."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SubmissionError(f"no notebook at {path}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SubmissionError(f"{Path(path).name} is not a notebook file (not valid JSON: {error})") from error
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise SubmissionError(f"{Path(path).name} is not a notebook file (no list of cells)")
    cells = []
    for cell in raw["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown", "raw"):
            source = cell.get("source", "")
            cells.append({**cell, "source": "".join(source) if isinstance(source, list) else str(source)})
    return nbformat.from_dict({**raw, "cells": cells})


def marker(release_source: str) -> str:
    """The first line of a release answer cell that is not part of nbgrader's stub."""
    for line in release_source.splitlines():
        if line.strip() and line.strip() not in STUB_LINES:
            return line.strip()
    return ""


def find_answer(cells: list, grade_id: str, cell_id: str | None, cell_marker: str) -> tuple[str | None, str]:
    """The source of the submission's answer for one answer cell, and how it was found."""
    code_cells = [c for c in cells if c.get("cell_type") == "code"]
    by_grade_id = [c for c in code_cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id]
    if by_grade_id:
        return by_grade_id[-1]["source"], "grade_id"
    if cell_id:
        by_cell_id = [c for c in code_cells if c.get("id") == cell_id]
        if by_cell_id:
            return by_cell_id[-1]["source"], "cell id"
    if cell_marker:
        by_marker = [c for c in code_cells
                     if any(line.strip() == cell_marker for line in c["source"].splitlines())]
        answered = [c for c in by_marker if "raise NotImplementedError()" not in c["source"]]
        if answered or by_marker:
            return (answered or by_marker)[-1]["source"], "marker"
    return None, "missing"


def normalize(submission: nbformat.NotebookNode,
              release: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, Repair]:
    """The release with the submission's answers in its answer cells (stubs where none was found)."""
    rebuilt = nbformat.from_dict(json.loads(json.dumps(release)))
    repair = Repair()
    for cell in rebuilt.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution") or cell.cell_type != "code":
            continue
        source, how = find_answer(submission.cells, meta["grade_id"], cell.get("id"), marker(cell.source))
        repair.found_by[meta["grade_id"]] = how
        if source is not None:
            cell.source = source
    return rebuilt, repair
