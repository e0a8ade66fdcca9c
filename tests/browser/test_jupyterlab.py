"""The course in JupyterLab, through the browser: a quiet first start, every solution notebook runs without
an error and draws its figures, a student notebook has nbgrader's Validate button, and a slider redraws its figure.
"""

import re
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SOLUTIONS = sorted(path.relative_to(REPO).as_posix() for path in REPO.glob("solutions/*/*.ipynb"))
STUDENT_NOTEBOOK = sorted(path.relative_to(REPO).as_posix() for path in REPO.glob("notebooks/*/*.ipynb"))[0]
SLIDER_NOTEBOOK = "solutions/06_gradient_descent/06_gradient_descent.ipynb"
# Quick mode runs a notebook in 10-35 s on an idle 2-core CPU; a busy CI machine gets a wide margin.
RUN_ALL_TIMEOUT_S = 300
# IPython's traceback header, or the last line of an exception (SyntaxError has no header).
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w+(Error|Exception)(: |$)", re.M)

CODE_CELLS_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell')].map((cell, index) => ({
    number: index + 1,
    prompt: cell.querySelector('.jp-InputPrompt').textContent.trim(),
    firstLine: (cell.querySelector('.jp-InputArea-editor .cm-line') || {textContent: ''}).textContent,
    stderr: [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
        .map(output => output.textContent),
    images: [...cell.querySelectorAll('.jp-OutputArea-output img')]
        .map(img => ({complete: img.complete, width: img.naturalWidth})),
}))"""
# The kernel's state as the status bar shows it ("Python 3 (ipykernel) | Idle"); "No Kernel | Initializing" at first.
KERNEL_IDLE_JS = """() => {
    const statusbar = document.getElementById('jp-main-statusbar');
    return statusbar !== null && /\\| Idle\\b/.test(statusbar.innerText) && !/No Kernel/.test(statusbar.innerText);
}"""
# Started: the first code cell is queued, running or done.
RUN_STARTED_JS = """() => document.querySelector('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt').textContent.trim()
    !== '[ ]:'"""
# Done: the first code cell has run, no cell is queued or running ([*]) and the kernel is idle.
RUN_FINISHED_JS = f"""() => {{
    const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]
        .map(prompt => prompt.textContent.trim());
    return prompts.length > 0 && /^\\[\\d+\\]:$/.test(prompts[0]) && !prompts.some(p => p.includes('*'))
        && ({KERNEL_IDLE_JS})();
}}"""
# The interact's output is cleared and drawn again: done when it shows an image other than `before`.
REDRAWN_JS = """([interact, before]) => {
    const img = interact.querySelector('img');
    return img !== null && img.complete && img.src !== before;
}"""


def open_notebook(page, lab, path):
    """Open `path` alone in JupyterLab and wait until its kernel is idle."""
    page.goto(lab.address(f"lab/tree/{path}"))
    page.locator(".jp-NotebookPanel .jp-CodeCell").first.wait_for()
    page.wait_for_function(KERNEL_IDLE_JS, timeout=120_000)


def run_all_cells(page):
    """Run → Run All Cells, and wait until the run has finished (or stopped at an error)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.wait_for_function(RUN_STARTED_JS, timeout=30_000)
    page.wait_for_function(RUN_FINISHED_JS, timeout=RUN_ALL_TIMEOUT_S * 1000, polling=500)
    time.sleep(1)  # a widget or a late figure renders just after the kernel goes idle
    page.wait_for_function(RUN_FINISHED_JS, timeout=RUN_ALL_TIMEOUT_S * 1000, polling=500)


def interruptions(page):
    """Dialogs and notification toasts on screen: a quiet start and a healthy kernel show none."""
    return page.locator(".jp-Dialog, .Toastify__toast").all_inner_texts()


def page_config(page):
    return page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent)")


def save_figures(page, folder):
    """A screenshot of the window and of each figure, for a person to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / "window.png")
    for number, figure in enumerate(page.locator(".jp-NotebookPanel .jp-OutputArea-output img").all(), start=1):
        figure.screenshot(path=folder / f"figure-{number:02d}.png")


def problems_in(cells):
    """What a person would see as wrong after Run All: cells that did not run, tracebacks, broken figures."""
    problems = []
    for cell in cells:
        where = f"code cell {cell['number']} ({cell['firstLine'][:60]!r})"
        if not re.fullmatch(r"\[\d+\]:", cell["prompt"]):
            problems.append(f"{where} did not run: its prompt is {cell['prompt']}")
        for text in cell["stderr"]:
            if TRACEBACK.search(text):
                problems.append(f"{where} shows an error:\n{text[-2000:]}")
        if any(not image["complete"] or image["width"] == 0 for image in cell["images"]):
            problems.append(f"{where} has a figure that did not render")
    return problems


def test_first_start_is_quiet(page, lab, screenshots):
    """Does a first start show neither the news question nor a build prompt?"""
    page.goto(lab.address("lab"))
    page.locator("#jp-main-statusbar").wait_for()
    time.sleep(5)  # the news question would appear a moment after the page has loaded
    page.screenshot(path=screenshots / "first-start.png")
    assert interruptions(page) == []
    config = page_config(page)
    assert config["buildCheck"] is False, "JupyterLab would ask to rebuild when an extension changes"
    assert config["buildAvailable"] is False


@pytest.mark.parametrize("path", SOLUTIONS)
def test_solution_notebook_runs_without_errors_and_draws_figures(page, lab, screenshots, path):
    """Run All Cells in JupyterLab: does every code cell run, none show an error, and every figure render?"""
    open_notebook(page, lab, path)
    run_all_cells(page)
    cells = page.evaluate(CODE_CELLS_JS)
    save_figures(page, screenshots / path.split("/")[1])
    problems = problems_in(cells)
    assert not problems, "\n".join(problems)
    assert sum(len(cell["images"]) for cell in cells) > 0, "the notebook drew no figure"
    assert interruptions(page) == []


def test_student_notebook_has_validate_button(page, lab, screenshots):
    """Does nbgrader's extension add its Validate button to a student notebook's toolbar?"""
    open_notebook(page, lab, STUDENT_NOTEBOOK)
    validate = page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True)
    validate.wait_for()
    page.screenshot(path=screenshots / "student-notebook.png")
    assert validate.is_visible()


def test_slider_redraws_figure(page, lab, screenshots):
    """In notebook 06, does moving the learning-rate slider redraw the figure of the paths?"""
    open_notebook(page, lab, SLIDER_NOTEBOOK)
    run_all_cells(page)
    learning_rate = page.get_by_text("learning_rate", exact=True)
    interact = page.locator(".jp-NotebookPanel .widget-interact", has=learning_rate)
    interact.locator("img").wait_for()
    before = interact.locator("img").get_attribute("src")
    interact.screenshot(path=screenshots / "slider-before.png")

    interact.locator(".widget-slider", has=learning_rate).locator(".noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(REDRAWN_JS, arg=[interact.element_handle(), before], timeout=30_000)
    interact.screenshot(path=screenshots / "slider-after.png")
    assert interact.locator("img").get_attribute("src") != before
