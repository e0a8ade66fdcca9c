"""Generate the student notebooks from solutions/ with nbgrader (`make release`).

    python -m autograder.release [ASSIGNMENT ...] [--into DIR]

The solutions are first stamped with the course's repository address (links.py). nbgrader runs in a
scratch course folder, so the repo gets no gradebook; the student versions then replace
notebooks/<assignment>/ (or DIR/<assignment>/).
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from autograder import course, links


def release(assignment_ids: list[str], into: Path) -> None:
    """Write the student version of each assignment to ``into/<assignment>/``."""
    unknown = sorted(set(assignment_ids) - set(course.assignments()))
    if unknown:
        raise course.GradingError(f"no such assignment in solutions/: {', '.join(unknown)}")
    links.stamp(assignment_ids)
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        course_dir = Path(scratch)
        course.write_course_config(course_dir)
        for assignment in assignment_ids:
            shutil.copytree(course.SOLUTIONS / assignment, course_dir / "source" / assignment,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
            course.run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course_dir)
            target = into / assignment
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(course_dir / "release" / assignment, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="default: every assignment in solutions/")
    parser.add_argument("--into", type=Path, default=course.NOTEBOOKS, help="default: notebooks/")
    args = parser.parse_args(argv)
    assignment_ids = args.assignments or course.assignments()
    try:
        release(assignment_ids, args.into)
    except course.GradingError as error:
        print(f"release failed: {error}", file=sys.stderr)
        return 1
    print(f"released {', '.join(assignment_ids)} into {args.into}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
