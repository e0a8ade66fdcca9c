"""JupyterLab, started as `make lab` starts it, and headless Chromium driven by Playwright.

These tests take minutes, so plain `pytest` skips them: `make test-browser` runs them
(`pytest tests/browser --browser`, or set BROWSER_TEST=1).
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "browser"
# The settings `make lab` points JupyterLab at (no news pop-up, no build prompt); Binder copies them.
LAB_SETTINGS = REPO / "jupyterlab-settings"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT_S = 90
HOW_TO_RUN = "the JupyterLab browser test is slow: run it with `make test-browser` (or pytest tests/browser --browser)"


def pytest_addoption(parser):
    parser.addoption("--browser", action="store_true", default=False,
                     help="run the end-to-end JupyterLab test in headless Chromium (tests/browser)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--browser", default=False) or os.environ.get("BROWSER_TEST") == "1":
        return
    skip = pytest.mark.skip(reason=HOW_TO_RUN)
    for item in items:
        if Path(item.path).is_relative_to(Path(__file__).parent):
            item.add_marker(skip)


@dataclass
class Lab:
    """A running JupyterLab server: its address, token and the folder it serves."""

    url: str
    token: str
    root: Path

    def address(self, path: str) -> str:
        """The page for `path` (e.g. "lab/tree/x.ipynb"), logged in, with a fresh workspace (no tabs restored)."""
        return f"{self.url}/{path}?reset&token={self.token}"

    def api(self, method: str, path: str):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self):
        for session in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{session['id']}")


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.skip("Debian's chromium is not installed (as root `make test-browser` installs it: apt-get install "
                    "chromium); set CHROMIUM=/path/to/chromium to use another build")
    return path


@pytest.fixture(scope="session")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed in this environment: `make test-browser` installs the "
                    "`browser` extra (pip install -e '.[browser]'); never run `playwright install`")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_api, chromium_path):
    browser = playwright_api.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def screenshots():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory):
    """The course's notebooks and nbgrader settings in a temporary folder: runs there never touch the repository."""
    root = tmp_path_factory.mktemp("course")
    for folder in ("solutions", "notebooks"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(REPO / "nbgrader_config.py", root)
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def lab(course_copy, screenshots, tmp_path_factory):
    """JupyterLab with `make lab`'s settings on loopback, serving the copy, its kernels in quick mode."""
    state = tmp_path_factory.mktemp("lab-state")
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={course_copy}", "--LabApp.default_url=/lab/tree/notebooks",
        f"--LabApp.app_settings_dir={LAB_SETTINGS}",
        # A first start: no settings or open tabs of an earlier session.
        f"--LabApp.user_settings_dir={state / 'user-settings'}", f"--LabApp.workspaces_dir={state / 'workspaces'}",
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    environment = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    environment["COURSE_MODE"] = "quick"
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    log_path = screenshots / "jupyterlab.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=course_copy, env=environment, stdout=log, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", token, course_copy)
    try:
        wait_until_serving(lab, server, log_path)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_serving(lab: Lab, server: subprocess.Popen, log_path: Path):
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with status {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            lab.api("GET", "status")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {SERVER_START_TIMEOUT_S} s:\n{log_path.read_text()[-3000:]}")


@pytest.fixture
def page(browser, lab):
    """A browser tab of its own; the kernels it started are shut down after the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()
    lab.shut_down_kernels()
