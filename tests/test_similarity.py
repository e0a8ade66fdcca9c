"""Similarity flags: renamed, re-commented, reformatted copies of one answer are flagged as a pair;
independent correct answers and the answer most of the class wrote are not. Nothing is graded here:
the answers are taken from the reference solution and the sample specs, so these tests take a second.
"""

import ast

import nbformat
import numpy as np
import pytest

from autograder import course, samples, similarity

ASSIGNMENT = "02_activation_functions"

# Correct answers to 02's exercises written independently of the reference (checked against it below).
INDEPENDENT = {
    "threshold_activations": '''
def unit_step(x):
    return 0.5 * (np.sign(np.asarray(x, dtype=float)) + 1.0)


def sign(x):
    return np.sign(np.asarray(x, dtype=float))


def piecewise_linear(x):
    return np.minimum(1.0, np.maximum(0.0, np.asarray(x, dtype=float) + 0.5))
''',
    "sigmoid": '''
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def sigmoid_derivative(x):
    half = np.tanh(0.5 * np.asarray(x, dtype=float))
    return 0.25 * (1.0 - half * half)
''',
    "tanh_derivative": '''
def tanh_derivative(x):
    t = np.tanh(np.asarray(x, dtype=float))
    return (1.0 - t) * (1.0 + t)
''',
    "relu": '''
def relu(x):
    values = np.asarray(x, dtype=float)
    return values * (values > 0)


def relu_derivative(x):
    return (np.asarray(x, dtype=float) > 0).astype(float)
''',
    "leaky_relu": '''
def leaky_relu(x, negative_slope=0.01):
    v = np.asarray(x, dtype=float)
    return np.maximum(v, 0.0) + negative_slope * np.minimum(v, 0.0)


def leaky_relu_derivative(x, negative_slope=0.01):
    positive = np.asarray(x, dtype=float) > 0
    return positive + negative_slope * ~positive
''',
    "softplus": '''
def softplus(x):
    return np.logaddexp(0.0, np.asarray(x, dtype=float))
''',
    "softmax": '''
def softmax(x, axis=-1):
    shifted = np.asarray(x, dtype=float)
    shifted = shifted - shifted.max(axis=axis, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)))
''',
    "collapse_linear_layers": '''
def collapse_linear_layers(weights, biases):
    total_w, total_b = np.asarray(weights[0], dtype=float), np.asarray(biases[0], dtype=float)
    for w, b in list(zip(weights, biases))[1:]:
        total_w, total_b = total_w @ w, total_b @ w + b
    return total_w, total_b
''',
}


class Rename(ast.NodeTransformer):
    """Give every variable that a function assigns another name, as a student hiding a copy would."""

    def __init__(self, prefix):
        self.prefix, self.names = prefix, {}

    def visit_FunctionDef(self, node):
        local = [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        for name in local:
            self.names.setdefault(name, f"{self.prefix}{len(self.names)}")
        self.generic_visit(node)
        return node

    def visit_Name(self, node):
        node.id = self.names.get(node.id, node.id)
        return node


def renamed_copy(source: str, prefix: str, comment: str) -> str:
    """The answer with its variables renamed, its comments and docstrings replaced, and laid out anew."""
    tree = Rename(prefix).visit(ast.parse(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and isinstance(node.body[0], ast.Expr):
            node.body = node.body[1:] or [ast.Pass()]
    lines = ast.unparse(tree).splitlines()
    return "\n\n".join(f"{line}  # {comment}" if line.strip() else line for line in lines)


@pytest.fixture(scope="module")
def stubs():
    release = nbformat.read(course.NOTEBOOKS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    return similarity.answer_cells(release)


@pytest.fixture(scope="module")
def reference():
    return samples.reference_answers(ASSIGNMENT)


def test_independent_answers_are_correct(reference):
    """Are the independent answers of this test really correct (the same values as the reference's)?"""
    rng = np.random.default_rng(0)
    ours, theirs = {"np": np}, {"np": np}
    for grade_id, source in INDEPENDENT.items():
        exec(source, ours)  # noqa: S102 — the test's own code
        exec(reference[grade_id], theirs)  # noqa: S102 — the course's reference solution
    x = np.concatenate([rng.normal(size=50) * 5, [0.0, -1000.0, 1000.0]])
    with np.errstate(over="ignore"):
        for name in ("unit_step", "sign", "piecewise_linear", "sigmoid", "sigmoid_derivative", "tanh_derivative",
                     "relu", "relu_derivative", "leaky_relu", "leaky_relu_derivative", "softplus", "softmax"):
            np.testing.assert_allclose(ours[name](x), theirs[name](x), rtol=1e-9, atol=1e-12, err_msg=name)
    weights = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    biases = [rng.normal(size=4), rng.normal(size=2)]
    for mine, expected in zip(ours["collapse_linear_layers"](weights, biases),
                              theirs["collapse_linear_layers"](weights, biases)):
        np.testing.assert_allclose(mine, expected, rtol=1e-12)


def test_two_renamed_copies_are_flagged_and_independent_answers_are_not(reference, stubs):
    """Two students hand in the reference answers with renamed variables, other comments and another layout;
    a third wrote correct answers of their own. Is exactly the pair of copies flagged, with every answer?"""
    answers = {
        "copy-a": {g: renamed_copy(s, "value_", "first try") for g, s in reference.items()},
        "copy-b": {g: renamed_copy(s, "tmp", "done") for g, s in reference.items()},
        "independent": {**stubs, **INDEPENDENT},
    }
    assert answers["copy-a"]["softmax"] != answers["copy-b"]["softmax"]
    pairs = similarity.similar_pairs(ASSIGNMENT, answers, stubs)
    assert [(p.left, p.right) for p in pairs] == [("copy-a", "copy-b")]
    flagged = {m.grade_id for m in pairs[0].matches}
    long_answers = {g for g, s in reference.items()
                    if len(similarity.shingles(s) - similarity.shingles(stubs[g])) >= similarity.MIN_SHINGLES}
    assert flagged == long_answers
    assert all(m.similarity == 1.0 for m in pairs[0].matches)
    softmax = next(m for m in pairs[0].matches if m.grade_id == "softmax")
    assert (softmax.left, softmax.right) == (answers["copy-a"]["softmax"], answers["copy-b"]["softmax"])


def test_independent_answers_are_not_flagged_against_the_reference(reference, stubs):
    """Does the reference against independent correct answers (and a blank) give no pair?"""
    answers = {"reference": reference, "independent": {**stubs, **INDEPENDENT}, "blank": dict(stubs)}
    assert similarity.similar_pairs(ASSIGNMENT, answers, stubs) == []


class ChangeFirstConstant(ast.NodeTransformer):
    """Edit one number of an answer, as a student who copied and then changed a detail would."""

    def __init__(self):
        self.done = False

    def visit_Constant(self, node):
        if not self.done and isinstance(node.value, float) and node.value not in (0.0, 1.0):
            self.done = True
            return ast.Constant(node.value * 3)
        return node


def test_a_small_edit_is_still_near_identical_and_a_rewrite_is_not(reference, stubs):
    """Against a renamed copy of the reference, is a copy with one number changed in the threshold functions
    still near-identical there (below 1), and one whose sigmoid was written anew not?"""
    edit = ChangeFirstConstant()
    changed = ast.unparse(edit.visit(ast.parse(reference["threshold_activations"])))
    assert edit.done
    edited = {**reference, "threshold_activations": changed, "sigmoid": INDEPENDENT["sigmoid"]}
    answers = {"copy": {g: renamed_copy(s, "v", "x") for g, s in reference.items()}, "edited": edited}
    [pair] = similarity.similar_pairs(ASSIGNMENT, answers, stubs)
    matches = {m.grade_id: m.similarity for m in pair.matches}
    assert similarity.THRESHOLD <= matches["threshold_activations"] < 1.0
    assert "sigmoid" not in matches
    assert matches["relu"] == 1.0


def test_the_answer_most_of_the_class_wrote_is_not_evidence(reference, stubs):
    """When the reference answer is what most of the class handed in (the samples), are two copies of it
    no longer flagged: a shared textbook answer is the class's common answer, not a sign of copying?"""
    answers = {s.student: similarity.answer_cells(samples.build(s)) for s in samples.load_specs(ASSIGNMENT)}
    answers["copy-a"] = {g: renamed_copy(s, "value_", "first try") for g, s in reference.items()}
    answers["copy-b"] = {g: renamed_copy(s, "tmp", "done") for g, s in reference.items()}
    assert len(answers) >= 6
    assert not [p for p in similarity.similar_pairs(ASSIGNMENT, answers, stubs) if "copy-a" in (p.left, p.right)]


def test_comments_layout_and_local_names_do_not_change_the_tokens():
    """Do comments, docstrings, blank lines, spacing and the names of local variables leave the canonical
    tokens unchanged, while a changed constant or another library call changes them?"""
    original = 'def f(x):\n    """Doc."""\n    y = np.exp(-x)\n    return y / (1.0 + y)\n'
    disguised = "def f(z):  # mine\n\n    e   =  np.exp( -z )  # exp\n    return (e) / (1.0 + e)\n"
    assert similarity.canonical_tokens(original) == similarity.canonical_tokens(disguised)
    assert similarity.canonical_tokens(original) != similarity.canonical_tokens(original.replace("1.0", "2.0"))
    assert similarity.canonical_tokens(original) != similarity.canonical_tokens(original.replace("np.exp", "np.log"))
    assert similarity.canonical_tokens("def f(:\n  # broken") == similarity.canonical_tokens("def g(:")
