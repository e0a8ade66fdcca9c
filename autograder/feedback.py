"""What students see in feedback (per-test messages, never the source of hidden tests), and its pages."""

import re

from jinja2 import BytecodeCache
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.exporters.html import WidgetsDataTypeFilter
from nbconvert.filters.highlight import Highlight2HTML
from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)
HIDDEN_NOTE = "# (hidden tests ran here)\n"
IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)", re.I)
NO_ALT = '<img alt="No description has been provided for this image"'


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


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept in memory for every exporter of this process (keyed by the
    template's name and checked against its source by Jinja)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML export of a feedback page, made cheaper for a grader that writes hundreds.

    nbconvert parses its finished page with BeautifulSoup and writes it out again, only to give images
    without alternative text a placeholder and to make Lab-template cells focusable (the feedback
    template is the classic one, with none): that round trip is half the cost of a page. Here the
    placeholder is added by a regular expression, and the templates are compiled once per process."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = COMPILED_TEMPLATES
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        self.register_filter("highlight_code", highlight)
        resources = self._init_resources(resources)
        data_types = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("filter_data_type", data_types)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return IMAGE_WITHOUT_ALT.sub(NO_ALT, html), resources
