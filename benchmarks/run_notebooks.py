"""Time and peak memory of every solution notebook in quick mode (`make benchmark`).

Each notebook runs top to bottom in its own process, as a student's kernel would; the peak resident
memory is the kernel's (it is that process's only child). Wall-clock times on one machine vary by up to
a quarter from run to run, so each notebook runs `--repeat` times (in rounds over all notebooks, so that a
slow spell hits every notebook alike): the budget is judged on the median, and the slowest run is shown too.
Run on every notebook, it writes benchmarks/notebooks.md; on the notebooks named, it prints their rows only.

    python benchmarks/run_notebooks.py [--mode quick|full] [--repeat N] [NOTEBOOK ...]
"""

import argparse
import datetime
import json
import os
import platform
import statistics
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
    parser.add_argument("--repeat", type=int, default=3, help="runs of each notebook (default 3)")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    notebooks = args.notebooks or sorted((REPO / "solutions").glob("*/*.ipynb"))
    runs = {notebook: [] for notebook in notebooks}
    for _ in range(args.repeat):
        for notebook in notebooks:
            runs[notebook].append(measure(notebook, args.mode))
    rows = []
    for notebook, measured in runs.items():
        seconds = [run["seconds"] for run in measured]
        median, peak_mb = statistics.median(seconds), max(run["peak_mb"] for run in measured)
        ok = median <= BUDGET_SECONDS and peak_mb <= BUDGET_MB
        rows.append(f"| {notebook.stem} | {args.mode} | {median:.1f} | {max(seconds):.1f} | {peak_mb:.0f} |"
                    f" {'yes' if ok else 'NO'} |")
        print(rows[-1], flush=True)
    if args.notebooks:
        return
    machine = f"{cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    text = "\n".join([
        "# Notebook benchmark",
        "",
        "Written by `make benchmark` (benchmarks/run_notebooks.py): each solution notebook top to bottom in a",
        f"fresh kernel, {args.repeat} times (in rounds over all notebooks); seconds for the whole run (kernel start",
        "included): the median and the slowest run; peak resident memory of the kernel over all runs. Budget in",
        f"quick mode: median ≤ {BUDGET_SECONDS} s and peak ≤ {BUDGET_MB} MB.",
        "",
        f"Machine: {machine}. Date: {datetime.date.today().isoformat()}.",
        "",
        "| notebook | mode | median s | slowest s | peak MB | within budget |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
    ])
    (REPO / "benchmarks" / "notebooks.md").write_text(text)


if __name__ == "__main__":
    main()
