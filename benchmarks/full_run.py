"""Run solution notebooks as plain scripts in a chosen mode, for machines without Jupyter (a GPU box).

    COURSE_MODE=full KERAS_BACKEND=jax python benchmarks/full_run.py solutions/01_*/01_*.ipynb ...

Code cells run in order in one namespace with matplotlib's Agg backend; what they print goes to
stdout, with a header per cell and its run time. Cells whose first line says "TensorFlow only" are
skipped when the backend is not TensorFlow; a cell that fails is reported and the run goes on.
The recorded GPU output is in benchmarks/full_runs.md.
"""

import contextlib
import json
import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")


def code_cells(path: Path) -> list[str]:
    notebook = json.loads(path.read_text())
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in notebook["cells"] if c["cell_type"] == "code"]


def run(path: Path) -> None:
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    namespace = {"__name__": "__main__"}
    print(f"# {path.name} (COURSE_MODE={os.environ.get('COURSE_MODE', 'auto')}, backend {backend})", flush=True)
    start = time.perf_counter()
    with contextlib.chdir(path.parent):
        for index, source in enumerate(code_cells(path)):
            if "TensorFlow only" in source.splitlines()[0] and backend != "tensorflow":
                print(f"## cell {index}: skipped (TensorFlow only)", flush=True)
                continue
            cell_start = time.perf_counter()
            try:
                exec(compile(source, f"{path.name}:cell{index}", "exec"), namespace)  # noqa: S102
            except Exception as error:  # report and go on, as a notebook would
                print(f"## cell {index}: failed: {type(error).__name__}: {error}", flush=True)
                continue
            print(f"## cell {index}: {time.perf_counter() - cell_start:.1f} s", flush=True)
    print(f"# {path.name}: {time.perf_counter() - start:.0f} s in all", flush=True)


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        run(Path(argument).resolve())
