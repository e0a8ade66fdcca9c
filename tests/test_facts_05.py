"""Numbers that notebook 05 quotes from its own runs: is each one still what the text says?

The solution notebook runs once in quick mode (Keras 3.15.1, TensorFlow backend, CPU), as a student runs it;
each test reads a number from the notebook's text and compares it with what the run printed, or recomputes it.
"""

import ast
import os
import re

import nbformat
import numpy as np
import pytest

from autograder import course

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="numbers measured on TensorFlow")

NOTEBOOK = course.SOLUTIONS / "05_backpropagation" / "05_backpropagation.ipynb"


@pytest.fixture(scope="module")
def notebook():
    """The solution notebook, run top to bottom in quick mode: its cells by id, with their outputs."""
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    env = dict(os.environ)
    os.environ["COURSE_MODE"] = "quick"
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(env)
    return {cell.id: cell for cell in nb.cells}


def text(cells, cell_id):
    return cells[cell_id].source


def printed(cells, cell_id):
    return "".join(output.get("text", "") for output in cells[cell_id].outputs if output.output_type == "stream")


def number(pattern, string):
    """The first group of `pattern` in `string`, as a float ('2.5\\cdot10^{-8}', '10^{-7}' and '1.5e-07' all read)."""
    match = re.search(pattern, string, re.S)
    assert match, f"{pattern!r} not found in {string[:300]!r}"
    raw = match.group(1)
    power = re.fullmatch(r"(?:([\d.]+)\\cdot\s*)?10\^\{(-?\d+)\}", raw)
    return float(power.group(1) or 1) * 10.0 ** int(power.group(2)) if power else float(raw)


def test_check_network_errors_are_what_section_5_says(notebook):
    """Is the largest relative error of the 3-layer check the quoted 2.5·10⁻⁸?"""
    quoted = number(r"here at most \$([\d.]+\\cdot10\^\{-\d+\})\$", text(notebook, "cell-21"))
    errors = [float(x) for x in re.findall(r"relative error ([\d.e+-]+)", printed(notebook, "cell-22"))]
    assert len(errors) == 6
    assert f"{max(errors):.1e}" == f"{quoted:.1e}"


def test_big_layer_numbers_are_what_the_pass_line_paragraph_says(notebook):
    """Worst relative error 1.5·10⁻⁷ on a gradient of 1.2·10⁻⁴, about 30 times below the largest of the 20;
    largest absolute difference 1.8·10⁻¹¹; loss 0.12; and does that entry pass the stated pass line?"""
    out, words = printed(notebook, "cell-26"), text(notebook, "pass-line")
    worst = number(r"worst relative error ([\d.e+-]+)", out)
    gradient = number(r"gradient is ([\d.e+-]+)", out)
    largest = number(r"the largest of the 20: ([\d.e+-]+)", out)
    absolute = number(r"largest absolute difference ([\d.e+-]+)", out)
    loss = number(r"loss ([\d.]+):", out)
    quoted_worst = number(r"relative error of \$([^$]+)\$", words)
    quoted_gradient = number(r"small, \$([^$]+)\$", words)
    quoted_absolute = number(r"largest absolute\s+difference is \$([^$]+)\$", words)
    quoted_loss = number(r"10\^\{-16\}\\cdot ([\d.]+)/10", words)
    assert f"{worst:.1e}" == f"{quoted_worst:.1e}"
    assert f"{gradient:.1e}" == f"{quoted_gradient:.1e}"
    assert round(largest / gradient, -1) == number(r"about (\d+) times smaller", words)
    assert f"{absolute:.1e}" == f"{quoted_absolute:.1e}"
    assert f"{loss:.2f}" == f"{quoted_loss:.2f}"
    rtol = number(r"rtol=([\d.e-]+)", words)
    atol = number(r"atol=([\d.e-]+)", words)
    for cell in notebook.values():   # the tests' own comparisons with central differences use that line
        if cell.metadata.get("nbgrader", {}).get("grade") and "central differences" in cell.source:
            assert f"rtol={rtol:.0e}".replace("e-0", "e-") in cell.source and "1e-8" in cell.source, cell.id
    assert absolute <= atol + rtol * abs(gradient)   # the worst entry passes the tests' line
    assert worst > 1e-7                               # and fails a relative-only line of 1e-7


def test_float32_cannot_reach_the_pass_line(notebook):
    """Is the best float32 central difference above 10⁻⁵ / 2 and float64's below 10⁻¹⁰, as section 5 says?"""
    out = printed(notebook, "cell-24")
    assert number(r"float32: best relative error ([\d.e+-]+)", out) > 0.5e-5
    assert number(r"float64: best relative error ([\d.e+-]+)", out) < 1e-10


def test_xor_is_learned_and_moons_match_keras(notebook):
    """Does the 2-4-1 network learn XOR, and do the two-moons curves stay within the quoted 10⁻⁷ of Keras's?"""
    predictions = [float(x) for x in re.search(r"XOR predictions: \[([^\]]+)\]", printed(notebook, "cell-35"))
                   .group(1).split()]
    assert [p > 0.5 for p in predictions] == [False, True, True, False]
    bound = number(r"largest gap between them is below \$([^$]+)\$", text(notebook, "cell-36"))
    assert number(r"largest gap between the curves ([\d.e+-]+)", printed(notebook, "cell-37")) < bound


def test_spiral_numbers_are_what_section_8_says(notebook):
    """Loss near ln 3 at the start; the spiral separated (training and fresh points), the linear classifier not;
    Keras within float32 rounding for the first 80 steps, then apart by about 0.02."""
    out, words = printed(notebook, "classifier-03"), text(notebook, "classifier-04")
    start = number(r"loss before the first step: ours ([\d.]+)", out)
    assert abs(start - np.log(3)) < 0.05
    assert number(r"accuracy ours ([\d.]+) on the training", out) > 0.95
    assert number(r"spiral, ([\d.]+) on fresh points", out) > 0.95
    assert number(r"without the hidden layer: accuracy ([\d.]+)", out) < 0.5
    assert number(r"over the first (\d+) steps", out) == number(r"For the first (\d+) steps", words)
    assert number(r"([\d.e+-]+) over the first \d+ steps", out) < 1e-6
    apart = number(r"by up to about ([\d.]+)\.", words)
    assert round(number(r"steps, ([\d.e+-]+) over all", out), 2) == apart


def test_float32_relu_flip_is_near_the_quoted_step(notebook):
    """Run in float32, does our NumPy spiral network part from its float64 run near the quoted step, by a
    hidden ReLU whose pre-activation has opposite signs in the two precisions?"""
    namespace = {"np": np}
    exec(compile(notebook["helpers"].source, "helpers", "exec"), namespace)  # noqa: S102
    tree = ast.parse(notebook["classifier-03"].source)
    spiral = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "spiral"]
    exec(compile(ast.Module(body=spiral, type_ignores=[]), "spiral", "exec"), namespace)  # noqa: S102
    X, labels = namespace["spiral"](100, np.random.default_rng(0))
    start = namespace["init_network"]([2, 32, 3], np.random.default_rng(0))

    def relu_masks(dtype, steps=150):
        (W1, b1), (W2, b2) = [(W.astype(dtype), b.astype(dtype)) for W, b in start]
        x, y, n, masks = X.astype(dtype), np.eye(3, dtype=dtype)[labels], dtype(len(X)), []
        for _ in range(steps):
            Z1 = x @ W1 + b1
            A1 = np.maximum(Z1, dtype(0))
            Z2 = A1 @ W2 + b2
            E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
            D2 = (E / E.sum(axis=1, keepdims=True) - y) / n
            D1 = (D2 @ W2.T) * (Z1 > 0)
            W1, b1, W2, b2 = W1 - x.T @ D1, b1 - D1.sum(axis=0), W2 - A1.T @ D2, b2 - D2.sum(axis=0)
            masks.append(Z1 > 0)
        return masks

    first = next(step for step, (a, b) in enumerate(zip(relu_masks(np.float64), relu_masks(np.float32)))
                 if (a != b).any())
    assert abs(first - number(r"near step (\d+)", text(notebook, "classifier-04"))) <= 5


def test_digits_numbers_are_what_the_text_says(notebook):
    """Does the digits classifier start at the quoted loss (near ln 10), reach the quoted test accuracy after 40
    steps, and end with Keras's loss to four decimals?"""
    out, words = printed(notebook, "cell-39"), text(notebook, "cell-40")
    start = number(r"loss before the first step ([\d.]+)", out)
    assert start == number(r"the loss starts at ([\d.]+)", words)
    assert abs(start - np.log(10)) < 0.1
    assert number(r"test accuracy ours ([\d.]+)", out) == number(r"labels ([\d.]+) of the 450", words)
    assert re.search(r"training loss ours ([\d.]+), Keras \1;", out)
    assert "after 40 steps" in words and "after 40 steps" in out


def test_tensorflow_and_value_engine_agree_to_rounding_error(notebook):
    """Do tf.GradientTape (section 6) and the Value engine (section 9) give the check network's gradients to
    rounding error, as the text says, and the same loss to every printed digit?"""
    assert "agree to rounding error" in text(notebook, "cell-27") + text(notebook, "cell-45")
    for cell_id in ("cell-28", "cell-46"):
        out = printed(notebook, cell_id)
        errors = [float(x) for x in re.findall(r"d[Wb] ([\d.e+-]+)", out)]
        assert len(errors) == 6 and max(errors) < 1e-13, (cell_id, errors)
        losses = re.findall(r"(?:NumPy|TensorFlow|Value) ([\d.]+)", out)
        assert len(losses) == 2 and losses[0] == losses[1], (cell_id, losses)


@pytest.fixture(scope="module")
def reference():
    """The helper cell and the reference forward and backward, run as plain Python (no kernel)."""
    sources = {cell.id: cell.source for cell in nbformat.read(NOTEBOOK, as_version=4).cells}
    namespace = {"np": np}
    for cell_id in ("helpers", "forward", "backward"):
        exec(compile(sources[cell_id], f"05_backpropagation:{cell_id}", "exec"), namespace)  # noqa: S102
    return namespace, sources


def test_q3_one_sided_difference_is_best_near_1e_8(reference):
    """Q3: swept over ε on one weight of section 5's check network in float64, is the one-sided difference
    most accurate nearest the option 10⁻⁸ (the central one nearest 10⁻⁵, the distractor), as Q3's answer says?"""
    ns, sources = reference
    assert "(a) $10^{-12}$; (b) $10^{-8}$;\n(c) $10^{-5}$; (d) $10^{-2}$" in sources["cell-47"]
    assert 'answer_q3 = "b"' in sources["concept_answers"]
    rng = np.random.default_rng(0)   # section 5's check network, as cell-22 builds it
    params = ns["init_network"]([3, 5, 4, 2], rng)
    params = [(W, rng.normal(size=b.shape) * 0.1) for W, b in params]
    activations = ["tanh", "relu", "sigmoid"]
    X, Y = rng.normal(size=(8, 3)), rng.uniform(size=(8, 2))
    exact = ns["backward"](params, activations, ns["forward"](params, activations, X)[1], Y)[0][0][0, 0]

    def loss(w):
        W = params[0][0].copy()
        W[0, 0] = w
        return ns["mse_loss"](ns["forward"]([(W, params[0][1])] + params[1:], activations, X)[0], Y)

    w0, epsilons, options = params[0][0][0, 0], np.logspace(-12, -1, 45), np.array([-12, -8, -5, -2])
    for name, estimate, option in [
            ("one-sided", lambda e: (loss(w0 + e) - loss(w0)) / ((w0 + e) - w0), -8),
            ("central", lambda e: (loss(w0 + e) - loss(w0 - e)) / ((w0 + e) - (w0 - e)), -5)]:
        errors = [abs(estimate(e) - exact) / abs(exact) for e in epsilons]
        best = np.log10(epsilons[int(np.argmin(errors))])
        assert options[np.argmin(np.abs(options - best))] == option, (name, best)


def test_q5_backward_multiplies_twice_the_forward(reference):
    """Q5: counted inside the reference forward and backward (every matrix product, a·b·c multiplications for
    (a, b) @ (b, c)), does each layer's backward need twice the multiplications of its forward?"""
    ns, sources = reference
    assert "answer_q5 = 2" in sources["concept_answers"]
    counts = []

    class Counted(np.ndarray):
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            plain = [np.asarray(x).view(np.ndarray) if isinstance(x, Counted) else x for x in inputs]
            if ufunc is np.matmul:
                (a, b), (_, c) = plain[0].shape, plain[1].shape
                counts.append(a * b * c)
            result = getattr(ufunc, method)(*plain, **kwargs)
            return result.view(Counted) if isinstance(result, np.ndarray) else result

    rng = np.random.default_rng(5)
    sizes, n = [3, 5, 4, 2], 7
    params = [(rng.normal(size=(a, b)).view(Counted), rng.normal(size=b).view(Counted))
              for a, b in zip(sizes[:-1], sizes[1:])]
    activations = ["tanh", "relu", "sigmoid"]
    X, Y = rng.normal(size=(n, sizes[0])).view(Counted), rng.uniform(size=(n, sizes[-1]))
    _, cache = ns["forward"](params, activations, X)
    forward_counts, counts[:] = list(counts), []
    ns["backward"](params, activations, cache, Y)
    assert forward_counts == [n * a * b for a, b in zip(sizes[:-1], sizes[1:])]
    per_layer = [n * a * b for a, b in zip(sizes[:-1], sizes[1:])]
    assert sorted(counts) == sorted(2 * per_layer)   # dW and the error passed down, for each layer
