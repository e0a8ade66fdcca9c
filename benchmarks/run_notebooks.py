"""Time and peak memory of every solution notebook in quick mode (`make benchmark`).

Each notebook runs top to bottom in its own process, as a student's kernel would; the peak resident
memory is the kernel's (it is that process's only child). Run on every notebook, it writes
benchmarks/notebooks.md; on the notebooks named, it prints their rows only.

    python benchmarks/run_notebooks.py [--mode quick|full] [NOTEBOOK ...]
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUDGET_SECONDS, BUDGET_MB = 30, 1000

RUNNER = r"""
import json, resource, sys, time
import nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
start = time.perf_counter()
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))
"""


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def measure(notebook: Path, mode: str) -> dict:
    env = dict(os.environ, COURSE_MODE=mode)
    env.pop("PYTEST_CURRENT_TEST", None)
    result = subprocess.run([sys.executable, "-c", RUNNER, str(notebook), str(notebook.parent)],
                            env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{notebook.name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="quick", choices=["quick", "full"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((REPO / "solutions").glob("*/*.ipynb"))
    rows = []
    for notebook in notebooks:
        numbers = measure(notebook, args.mode)
        ok = numbers["seconds"] <= BUDGET_SECONDS and numbers["peak_mb"] <= BUDGET_MB
        rows.append(f"| {notebook.stem} | {args.mode} | {numbers['seconds']:.1f} | {numbers['peak_mb']:.0f} |"
                    f" {'yes' if ok else 'NO'} |")
        print(rows[-1], flush=True)
    if args.notebooks:
        return
    machine = f"{cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    text = "\n".join([
        "# Notebook benchmark",
        "",
        "Written by `make benchmark` (benchmarks/run_notebooks.py): each solution notebook top to bottom in a",
        "fresh kernel; seconds for the whole run (kernel start included), peak resident memory of",
        f"the kernel. Budget in quick mode: ≤ {BUDGET_SECONDS} s and ≤ {BUDGET_MB} MB.",
        "",
        f"Machine: {machine}. Date: {datetime.date.today().isoformat()}.",
        "",
        "| notebook | mode | seconds | peak MB | within budget |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
    ])
    (REPO / "benchmarks" / "notebooks.md").write_text(text)


if __name__ == "__main__":
    main()
