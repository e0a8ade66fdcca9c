"""What students see in feedback: per-test messages, never the source of hidden tests."""

import re

from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)
HIDDEN_NOTE = "# (hidden tests ran here)\n"


class HideHiddenTests(NbGraderPreprocessor):  # nbgrader's base: enabled by default, unlike nbconvert's
    """Remove hidden tests from test cells, and reduce their errors to the message alone.

    A traceback would quote the failing line of a hidden test (``assert answer_q1 == "c"``), so the
    error of a graded cell keeps its type and message only."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = HIDDEN.sub(HIDDEN_NOTE, cell.source)
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    message = f"{output.ename}: {output.evalue}" if output.evalue else output.ename
                    output.traceback = [message]
        return cell, resources


def test_messages(nb) -> dict[str, str]:
    """The error message of each graded cell of an autograded notebook ("" when it passed)."""
    messages = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            messages[meta["grade_id"]] = "; ".join(
                f"{e.ename}: {e.evalue}" if e.evalue else e.ename for e in errors)
    return messages
