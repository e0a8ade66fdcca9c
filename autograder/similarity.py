"""Pairs of submissions whose answers are near-identical once names, comments and layout are set aside.

A hint for a person to look at, never a penalty: nothing here changes a grade. Each answer cell is
parsed (Python's own ``ast``), so comments, blank lines, spacing and line breaks vanish; docstrings are
dropped; every name the cell binds itself (its variables, arguments, loop variables, functions) becomes
one placeholder, while what it uses from outside (``np.exp``, ``range``) and its constants are kept.
The canonical token stream is cut into overlapping k-grams (shingles), the k-grams of the release's
stub are removed (they are everybody's), and two answers are near-identical when the Jaccard
similarity of their k-gram sets reaches ``THRESHOLD``.

Near-identical answers are not evidence of copying when many students wrote them: an answer that at
least ``COMMON_MIN`` students and at least ``COMMON_SHARE`` of those who answered the cell share is the
common answer of the class (the textbook one-liner), and is left out, as MOSS leaves out passages
found in many programs. Short answers (fewer than ``MIN_SHINGLES`` k-grams of their own) are left out
too. A pair of students is listed when the answers they share near-identically add up to at least
``MIN_PAIR_SHINGLES`` k-grams; the report shows those cells side by side.
"""

import ast
import io
import keyword
import math
import tokenize
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import nbformat

K = 4  # tokens per shingle
THRESHOLD = 0.8  # Jaccard similarity of two answers' shingles from which they count as near-identical
MIN_SHINGLES = 8  # an answer with fewer shingles of its own (beyond the stub's) is too short to tell
MIN_PAIR_SHINGLES = 40  # the near-identical answers of a listed pair add up to at least this many shingles
COMMON_MIN = 3  # an answer shared by this many students ...
COMMON_SHARE = 0.2  # ... and by this share of those who answered the cell is the class's common answer


@dataclass(frozen=True)
class Match:
    """One answer cell that two students wrote near-identically."""

    grade_id: str
    similarity: float
    shingles: int  # shingles the two answers share
    left: str  # the source of each answer, as handed in
    right: str


@dataclass
class Pair:
    """Two submissions of one assignment with near-identical answers, and those answers."""

    assignment: str
    left: str
    right: str
    matches: list[Match] = field(default_factory=list)

    @property
    def weight(self) -> int:
        return sum(match.shingles for match in self.matches)


class _BoundNames(ast.NodeVisitor):
    """Every name the code binds itself: assigned, imported, defined, or taken as an argument."""

    def __init__(self):
        self.names: set[str] = set()

    def visit_Name(self, node):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.names.add(node.id)

    def visit_arg(self, node):
        self.names.add(node.arg)
        self.generic_visit(node)

    def _definition(self, node):
        self.names.add(node.name)
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition

    def visit_alias(self, node):
        self.names.add((node.asname or node.name).split(".")[0])

    def visit_ExceptHandler(self, node):
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


def _emit(node, bound: set[str], out: list[str]) -> None:
    if isinstance(node, ast.expr_context):
        return
    if isinstance(node, ast.Name):
        out.append("_" if node.id in bound else node.id)
        return
    if isinstance(node, ast.arg):
        out.append("_")
        return
    if isinstance(node, ast.Constant):
        out.append(repr(node.value)[:60])
        return
    out.append(type(node).__name__)
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            _emit(value, bound, out)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    _emit(item, bound, out)
                elif isinstance(item, str):
                    out.append("_" if item in bound else item)
        elif isinstance(value, str) and name in ("name", "asname", "id", "arg"):
            out.append("_" if value in bound else value)
        elif isinstance(value, str) and name in ("attr", "module"):
            out.append(f".{value}")
    out.append(")")


def _fallback_tokens(source: str) -> list[str]:
    """Tokens of code that does not parse: comments and layout dropped, every name a placeholder."""
    tokens = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.ENDMARKER):
                continue
            if token.type == tokenize.NAME and not keyword.iskeyword(token.string):
                tokens.append("_")
            else:
                tokens.append(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # keep the tokens read up to the error
    return tokens


def canonical_tokens(source: str) -> list[str]:
    """The answer as a stream of tokens that ignores names it binds, comments, docstrings and layout."""
    try:
        tree = _without_docstrings(ast.parse(source))
    except (SyntaxError, ValueError):
        return _fallback_tokens(source)
    finder = _BoundNames()
    finder.visit(tree)
    out: list[str] = []
    _emit(tree, finder.names, out)
    return out


def shingles(source: str) -> frozenset:
    tokens = canonical_tokens(source)
    return frozenset(tuple(tokens[i:i + K]) for i in range(max(len(tokens) - K + 1, 0)))


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def is_common(group: int, answered: int) -> bool:
    """Is an answer that ``group`` students share (of ``answered``) the class's common answer?"""
    return group >= max(COMMON_MIN, math.ceil(COMMON_SHARE * answered))


def similar_pairs(assignment: str, answers: dict[str, dict[str, str]], stubs: dict[str, str]) -> list[Pair]:
    """Pairs of students (of ``answers``: student -> grade id -> source) with near-identical answers.

    ``stubs`` holds the release's source of each answer cell: an unchanged stub is no answer, and the
    stub's own shingles are in every answer, so they are taken out before comparing."""
    found: dict[tuple[str, str], Pair] = {}
    for grade_id, stub in stubs.items():
        base = shingles(stub)
        own = {}
        for student, cells in answers.items():
            source = cells.get(grade_id)
            if source is None or source.strip() == stub.strip():
                continue
            mine = shingles(source) - base
            if len(mine) >= MIN_SHINGLES:
                own[student] = (mine, source)
        # Identical answers are compared once: the students who wrote each distinct set of shingles.
        distinct: dict[frozenset, list[str]] = {}
        for student, (mine, _) in own.items():
            distinct.setdefault(mine, []).append(student)
        near: dict[str, set[str]] = {student: set() for student in own}
        scores: dict[tuple[str, str], float] = {}
        for students in distinct.values():
            for a, b in combinations(students, 2):
                near[a].add(b)
                near[b].add(a)
                scores[(a, b)] = scores[(b, a)] = 1.0
        for (set_a, students_a), (set_b, students_b) in combinations(distinct.items(), 2):
            if min(len(set_a), len(set_b)) < THRESHOLD * max(len(set_a), len(set_b)):
                continue  # the Jaccard similarity cannot reach the threshold
            similarity = jaccard(set_a, set_b)
            if similarity >= THRESHOLD:
                for a in students_a:
                    for b in students_b:
                        near[a].add(b)
                        near[b].add(a)
                        scores[(a, b)] = scores[(b, a)] = similarity
        common = {student for student, others in near.items() if is_common(len(others) + 1, len(own))}
        for a, b in combinations(sorted(own), 2):
            if b not in near[a] or a in common or b in common:
                continue
            shared = len(own[a][0] & own[b][0])
            pair = found.setdefault((a, b), Pair(assignment, a, b))
            pair.matches.append(Match(grade_id, round(scores[(a, b)], 3), shared, own[a][1], own[b][1]))
    pairs = [pair for pair in found.values() if pair.weight >= MIN_PAIR_SHINGLES]
    return sorted(pairs, key=lambda pair: (-pair.weight, pair.left, pair.right))


def answer_cells(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """The source of each answer cell of a notebook, by grade id."""
    return {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in notebook.cells
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")}


def course_pairs(out: Path, found: dict[str, list[str]]) -> list[Pair]:
    """Similar pairs among the graded submissions of a course folder: each student's answers as graded
    (OUT/submitted, rebuilt on the release) against the release's stubs (OUT/release)."""
    pairs = []
    for assignment, students in sorted(found.items()):
        release = out / "release" / assignment / f"{assignment}.ipynb"
        if not release.exists():
            continue
        stubs = answer_cells(nbformat.read(release, as_version=4))
        answers = {}
        for student in students:
            path = out / "submitted" / student / assignment / f"{assignment}.ipynb"
            if path.exists():
                answers[student] = answer_cells(nbformat.read(path, as_version=4))
        pairs += similar_pairs(assignment, answers, stubs)
    return pairs
