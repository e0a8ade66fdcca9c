"""Stamp the course's repository address (pyproject.toml's [tool.course]) into every notebook.

Two places carry it: the header's "Open in Colab" and "Launch Binder" badges, and the Setup cell's
fetch block, with which a notebook opened alone (on Colab, or downloaded) clones the course to get
`course_helpers` and `data/`. `make release` stamps solutions/ before it generates notebooks/, so an
instructor who forks the course changes the address in pyproject.toml only.

    python -m autograder.links [--check]
"""

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import course

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
BADGE_LINE = re.compile(r"^\[!\[Open In Colab\].*\n\n?", re.MULTILINE)
FETCH_BLOCK = re.compile(r"^# Opened alone .*?^    sys\.path\.insert\(0, COURSE_HOME\)\n", re.MULTILINE | re.DOTALL)
SETUP_ANCHOR = re.compile(
    r'^os\.environ(?:\.setdefault\("TF_CPP_MIN_LOG_LEVEL", "3"\)|\["TF_CPP_MIN_LOG_LEVEL"\] = "3")\n', re.MULTILINE)


@dataclass(frozen=True)
class Repository:
    url: str  # https://github.com/OWNER/NAME
    branch: str

    @property
    def owner_and_name(self) -> str:
        match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+?)(?:\.git)?/?", self.url)
        if not match:
            raise course.GradingError(
                f"[tool.course] repository must be https://github.com/OWNER/NAME, not {self.url!r}")
        return match.group(1)

    def colab_url(self, notebook: str) -> str:
        return f"https://colab.research.google.com/github/{self.owner_and_name}/blob/{self.branch}/{notebook}"

    def binder_url(self, notebook: str) -> str:
        return f"https://mybinder.org/v2/gh/{self.owner_and_name}/{self.branch}?urlpath=lab/tree/{notebook}"


def configured(pyproject: Path = course.REPO / "pyproject.toml") -> Repository:
    """The repository address and branch that pyproject.toml's [tool.course] names."""
    settings = tomllib.loads(pyproject.read_text()).get("tool", {}).get("course", {})
    missing = [key for key in ("repository", "branch") if key not in settings]
    if missing:
        raise course.GradingError(f"{pyproject}: [tool.course] needs {' and '.join(missing)}")
    return Repository(settings["repository"], settings["branch"])


def badge_line(repository: Repository, assignment: str) -> str:
    """The header's badges; both open the student version, notebooks/<assignment>/<assignment>.ipynb."""
    notebook = f"notebooks/{assignment}/{assignment}.ipynb"
    return (f"[![Open In Colab]({COLAB_BADGE})]({repository.colab_url(notebook)}) "
            f"[![Launch Binder]({BINDER_BADGE})]({repository.binder_url(notebook)})\n\n")


def fetch_block(repository: Repository) -> str:
    """Setup-cell code: without `course_helpers` importable, clone the course once and put it on sys.path."""
    return f'''# Opened alone (Colab, a download)? Fetch the course's helpers and data once; else this does nothing.
COURSE_REPOSITORY = os.environ.get("COURSE_REPOSITORY", "{repository.url}")
COURSE_HOME = os.path.expanduser("~/training-deep-neural-networks")
if importlib.util.find_spec("course_helpers") is None:
    if not os.path.isdir(COURSE_HOME):
        print("Fetching the course's helpers and data into", COURSE_HOME)
        subprocess.run(["git", "clone", "--quiet", "--depth=1", "--branch={repository.branch}", COURSE_REPOSITORY,
                        COURSE_HOME], check=True)
    sys.path.insert(0, COURSE_HOME)
'''


def _with_imports(source: str) -> str:
    """Add the imports the fetch block needs to the Setup cell's standard-library imports."""
    for module in ("importlib.util", "subprocess", "sys"):
        if not re.search(rf"^import {re.escape(module)}$", source, re.MULTILINE):
            source = SETUP_ANCHOR.sub(lambda m, module=module: f"{m.group(0)}\nimport {module}\n", source, count=1)
    # keep the standard-library imports after the environment lines sorted and in one block
    head, sep, rest = source.partition("\nimport keras")
    lines = head.split("\n")
    start = next(i for i, line in enumerate(lines) if SETUP_ANCHOR.match(line + "\n")) + 1
    imports = sorted({line for line in lines[start:] if line.startswith("import ")})
    others = [line for line in lines[start:] if line and not line.startswith("import ") and not line.startswith("#")]
    if others:
        raise course.GradingError(f"unexpected Setup-cell lines before `import keras`: {others}")
    return "\n".join([*lines[:start], "", *imports, ""]) + sep + rest


def stamped(notebook: nbformat.NotebookNode, repository: Repository, assignment: str) -> nbformat.NotebookNode:
    """The notebook with badges and fetch block for ``repository`` (idempotent)."""
    header = notebook.cells[0]
    title, _, rest = header.source.partition("\n")
    if header.cell_type != "markdown" or not title.startswith("# "):
        raise course.GradingError(f"{assignment}: the first cell must be the markdown header with a '# ' title")
    rest = BADGE_LINE.sub("", rest.lstrip("\n"))
    header.source = f"{title}\n\n{badge_line(repository, assignment)}{rest}"

    setup = next((cell for cell in notebook.cells if cell.cell_type == "code"), None)
    if setup is None or not SETUP_ANCHOR.search(setup.source) or "\nimport keras" not in setup.source:
        raise course.GradingError(f"{assignment}: the first code cell must be the Setup cell "
                                  "(setting TF_CPP_MIN_LOG_LEVEL, then importing keras)")
    source = FETCH_BLOCK.sub("", setup.source)
    source = _with_imports(source)
    head, sep, rest = source.partition("\nimport keras")
    setup.source = f"{head.rstrip()}\n\n{fetch_block(repository)}{sep}{rest}"
    return notebook


def stamp(assignments: list[str], check_only: bool = False) -> list[str]:
    """Stamp solutions/<assignment>/<assignment>.ipynb in place; return the paths that were (or would be) changed."""
    repository = configured()
    changed = []
    for assignment in assignments:
        path = course.SOLUTIONS / assignment / f"{assignment}.ipynb"
        before = path.read_text()
        notebook = stamped(nbformat.reads(before, as_version=4), repository, assignment)
        after = nbformat.writes(notebook) + "\n"
        if after != before:
            changed.append(str(path.relative_to(course.REPO)))
            if not check_only:
                path.write_text(after)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks that are not stamped")
    args = parser.parse_args(argv)
    changed = stamp(course.assignments(), check_only=args.check)
    for path in changed:
        print(f"{'not stamped' if args.check else 'stamped'}: {path}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
