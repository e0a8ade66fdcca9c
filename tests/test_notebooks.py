"""The committed notebooks: student versions equal a fresh release and carry no outputs."""

import json
import re

import nbformat
import pytest

from autograder import course, release, samples

ASSIGNMENTS = course.assignments()
UNREADABLE_SAMPLES = {samples.sample_path(course.SAMPLES, s) for s in samples.all_samples()
                      if "not-a-notebook" in s.transform}
COMMITTED = sorted(course.SOLUTIONS.glob("*/*.ipynb")) + sorted(course.NOTEBOOKS.glob("*/*.ipynb")) + sorted(
    p for p in course.SAMPLES.glob("*/*/*.ipynb") if p not in UNREADABLE_SAMPLES)


def test_every_solution_has_a_student_version():
    """Is there a notebooks/<a>/<a>.ipynb for every solutions/<a>/<a>.ipynb, and nothing else?"""
    released = sorted(p.name for p in course.NOTEBOOKS.iterdir() if p.is_dir())
    assert released == ASSIGNMENTS


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(course.REPO)))
def test_committed_notebook_has_no_outputs(path):
    """Does the committed notebook carry no outputs and no execution counts?"""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {cell.get('id')} has outputs"
            assert cell.execution_count is None, f"{path.name}: cell {cell.get('id')} has an execution count"


def test_student_versions_equal_a_fresh_release(tmp_path):
    """Would `make release` leave notebooks/ unchanged?"""
    release.release(ASSIGNMENTS, tmp_path)
    for assignment in ASSIGNMENTS:
        fresh = json.loads((tmp_path / assignment / f"{assignment}.ipynb").read_text())
        committed = json.loads((course.NOTEBOOKS / assignment / f"{assignment}.ipynb").read_text())
        assert committed == fresh, f"notebooks/{assignment} is stale: run `make release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_is_well_formed(assignment):
    """Does every answer cell have a solution region, and every test cell points and a visible check?"""
    nb = nbformat.read(course.SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    grade_ids = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        grade_ids.append(meta["grade_id"])
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, meta["grade_id"]
        if meta.get("grade"):
            assert meta["points"] > 0, meta["grade_id"]
            visible = re.split(r"### BEGIN HIDDEN TESTS", cell.source)[0]
            assert "assert" in visible or "checks." in visible, f"{meta['grade_id']} has no visible check"
    assert len(grade_ids) == len(set(grade_ids)), "grade ids must be unique"
    nbformat.validate(nb)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_version_hides_solutions_and_hidden_tests(assignment):
    """Does the release contain neither reference answers nor hidden tests?"""
    text = (course.NOTEBOOKS / assignment / f"{assignment}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "rng_hidden"):
        assert marker not in text
    assert "raise NotImplementedError()" in text


def global_reads(table) -> set[str]:
    """Names a cell reads from the notebook's namespace: free or global in every scope (symtable)."""
    names = set()
    for symbol in table.get_symbols():
        if symbol.is_referenced() and (table.get_type() == "module" or symbol.is_global()):
            names.add(symbol.get_name())
    for child in table.get_children():
        names |= global_reads(child)
    return names


def names_read_and_bound(source):
    """(names a cell reads from the namespace and does not bind itself, names it binds at top level)."""
    import ast
    import symtable

    from autograder import guard

    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    tree = ast.parse(code)
    bound = guard.bound_names(tree) | {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
                                       if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    return global_reads(symtable.symtable(code, "cell", "exec")) - bound, bound


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_test_needs_what_only_an_experiment_makes(assignment):
    """Grading skips cells tagged `experiment`: does every name that a later non-experiment cell reads come
    from a cell that grading runs (so skipping them changes no score)?"""
    nb = nbformat.read(course.SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    from_experiments, from_graded_run = set(), set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        read, bound = names_read_and_bound(cell.source)
        if "experiment" in cell.metadata.get("tags", []):
            assert not cell.metadata.get("nbgrader", {}).get("grade"), "a graded cell cannot be an experiment"
            from_experiments |= bound - from_graded_run
            continue
        needed = (read - from_graded_run) & from_experiments
        assert not needed, f"cell {cell.get('id')} reads {sorted(needed)}, which only experiment cells bind"
        from_graded_run |= bound


SOURCES_AND_RELEASES = sorted(course.SOLUTIONS.glob("*/*.ipynb")) + sorted(course.NOTEBOOKS.glob("*/*.ipynb"))


@pytest.mark.parametrize("path", SOURCES_AND_RELEASES, ids=lambda p: str(p.relative_to(course.REPO)))
def test_no_graded_cell_ends_with_a_value(path):
    """nbgrader reads a number that a graded cell displays as partial credit (and stops on one above the
    points): does every graded cell end with a statement, or with a check that returns nothing?"""
    import ast

    nb = nbformat.read(path, as_version=4)
    returning = {"letter", "number", "plain", "numpy_only"}
    for cell in nb.cells:
        if not cell.metadata.get("nbgrader", {}).get("grade") or cell.cell_type != "code":
            continue
        last = ast.parse(cell.source).body[-1]
        if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
            function = last.value.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            assert name not in returning and name.startswith(("check", "print")), (
                f"{cell.metadata.nbgrader['grade_id']} ends with {ast.unparse(last)[:60]}")
