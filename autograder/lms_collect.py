"""Submissions from the LMS: a Canvas or Moodle download turned into nbgrader's layout (`make collect`).

    python -m autograder.lms_collect ARCHIVE [--out OUT] [--lms canvas|moodle] [--assignment A]
                                     [--roster roster.csv]

An instructor downloads one assignment's submissions as one zip archive. nbgrader's own
``zip_collect`` (ZipCollectApp, run in this process) extracts it under OUT/downloaded/<assignment>/ and
places each file by a file-name collector plugin (FileNameCollectorPlugin) for the LMS's naming:

* Canvas (*Download Submissions*) names each file ``<name>[_LATE]_<user id>_<file id>_<file name>``,
  the name being the student's sortable name, lower case, without spaces or punctuation
  (instructure/canvas-lms, lib/content_zipper.rb); with anonymous grading ``anon_<id>`` replaces the
  user id. The Canvas user id is matched to the roster's ``lms_id``; without a roster it is the student id.
* Moodle (*Download all submissions*) puts each participant's files in a folder
  ``<full name>_<participant id>_assignsubmission_file`` (``…_file_`` before Moodle 4; without
  *Download submissions in folders* the same prefix and ``_`` start each file's name)
  (moodle/moodle, mod/assign/classes/downloader.php). The participant id is per assignment, so the
  full name is matched to the roster's ``name``; without a roster the student id is the name in lower
  case with ``-`` between its words.

The files land in OUT/collected/<student>/<assignment>/, the layout ``make grade`` reads; a later download
of the same assignment replaces a student's files. A file that cannot be placed (another naming, a
student missing from the roster or named twice in it, an online-text entry, an operating system's
clutter) is listed with the reason, on the screen and in OUT/downloaded/<assignment>/unplaced.txt.
"""

import argparse
import logging
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from nbgrader.apps.zipcollectapp import ZipCollectApp
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import FileNameCollectorPlugin
from traitlets.config import Config

from autograder import course, roster

CANVAS_ANONYMOUS = re.compile(r"^(LATE_)?(?P<user>anon_[A-Za-z0-9]+)_\d+_.+$")
CANVAS_ENTRY = re.compile(r"^[^/]*?(_LATE)?_(\d+|anon_[A-Za-z0-9]+)_(?P<kind>text|link)\.html$")
CANVAS_FILE = re.compile(r"^(?P<name>[^/]*?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<file>\d+)_"
                         r"(?P<file_id>.+)$")
MOODLE_PREFIX = re.compile(r"^(?P<name>.+)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z]+)"
                           r"(?:_(?P<file_id>.*))?$")
CLUTTER = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)")


class LmsCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector with a roster: places each extracted file, or says why it cannot."""

    lms = ""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.roster: roster.Roster | None = None
        self.unplaced: list[tuple[str, str]] = []  # (path in the archive, reason)
        self.placed: dict[str, list[str]] = {}  # student -> paths in the archive

    def collect(self, submitted_file: str) -> dict | None:
        root = Path(self.parent._format_collect_path(self.parent.extracted_directory))
        relative = PurePosixPath(Path(submitted_file).relative_to(root).as_posix())
        inside = PurePosixPath(*relative.parts[1:]) if len(relative.parts) > 1 else relative  # the archive's folder
        if CLUTTER.search(str(inside)):
            self.unplaced.append((str(inside), "an operating system's clutter, not a submission"))
            return None
        info, reason = self.identify(inside)
        if info is None:
            self.unplaced.append((str(inside), reason))
            return None
        self.placed.setdefault(info["student_id"], []).append(str(inside))
        return info

    def identify(self, path: PurePosixPath) -> tuple[dict | None, str]:
        raise NotImplementedError

    def roster_name(self) -> str:
        return self.roster.path.name if self.roster else ""


class CanvasCollector(LmsCollector):
    """Canvas: ``<name>[_LATE]_<user id>_<file id>_<file name>``, matched by the Canvas user id."""

    lms = "canvas"

    def identify(self, path):
        if len(path.parts) > 1:  # a student's archive, unpacked into a folder named as the archive was
            match = CANVAS_FILE.match(path.parts[0])
            info, reason = self.identify(PurePosixPath(path.parts[0])) if match else (None, "")
            if info:
                return {**info, "file_id": "/".join(path.parts[1:])}, ""
            return None, reason or "not in Canvas's naming <name>_<user id>_<file id>_<file name>"
        anonymous = CANVAS_ANONYMOUS.match(path.name)
        if anonymous:
            return None, (f"anonymous submission {anonymous['user']}: Canvas hides who handed it in; download"
                          " again after unhiding the students' names")
        entry = CANVAS_ENTRY.match(path.name)
        if entry:
            return None, f"a Canvas {'text entry' if entry['kind'] == 'text' else 'URL'}, not a file handed in"
        match = CANVAS_FILE.match(path.name)
        if not match:
            return None, "not in Canvas's naming <name>_<user id>_<file id>_<file name>"
        user = match["user"]
        if self.roster is None:
            student = user
        else:
            found = self.roster.by_lms_id().get(user)
            if found is None:
                return None, f"Canvas user {user} ({match['name']}) is not in {self.roster_name()} (no such lms_id)"
            student = found.student_id
        return {"student_id": student, "file_id": match["file_id"]}, ""


class MoodleCollector(LmsCollector):
    """Moodle: a folder ``<full name>_<participant id>_assignsubmission_file`` per participant (or that
    prefix on each file's name), matched by the full name."""

    lms = "moodle"

    def identify(self, path):
        for index, part in enumerate(path.parts):
            match = MOODLE_PREFIX.match(part)
            if not match:
                continue
            if index < len(path.parts) - 1:  # a folder per participant: the file's path inside it
                file_id = "/".join(path.parts[index + 1:])
            else:  # no folders: the prefix starts the file's name
                file_id = match["file_id"] or ""
            if match["plugin"] != "file":
                return None, f"a Moodle {match['plugin']} entry, not a file handed in"
            if not file_id:
                return None, "a Moodle submission prefix without a file name"
            student, reason = self.student(match["name"])
            return ({"student_id": student, "file_id": file_id}, "") if student else (None, reason)
        return None, "not in Moodle's naming <full name>_<participant id>_assignsubmission_file/<file name>"

    def student(self, name: str) -> tuple[str | None, str]:
        if self.roster is None:
            slug = "-".join(roster.name_words(name))
            return (slug, "") if slug else (None, f"the name {name!r} gives no student id")
        found = self.roster.by_name(name)
        if not found:
            return None, f"{name} is not in {self.roster_name()} (no student of that name)"
        if len(found) > 1:
            return None, (f"{name} is in {self.roster_name()} {len(found)} times"
                          f" ({', '.join(s.student_id for s in found)}): cannot tell which")
        return found[0].student_id, ""


COLLECTORS = {"canvas": CanvasCollector, "moodle": MoodleCollector}


@dataclass
class Collected:
    lms: str
    assignment: str
    folder: Path  # nbgrader's layout: folder/<student>/<assignment>/...
    placed: dict[str, list[str]] = field(default_factory=dict)
    unplaced: list[tuple[str, str]] = field(default_factory=list)


def detect_lms(names: list[str]) -> str:
    if any("_assignsubmission_" in name for name in names):
        return "moodle"
    if any(CANVAS_FILE.match(PurePosixPath(name).name) for name in names if not name.endswith("/")):
        return "canvas"
    raise course.GradingError("cannot tell which LMS made this archive (neither Canvas's nor Moodle's file names):"
                              " say which with LMS=canvas or LMS=moodle")


def detect_assignment(names: list[str], archive: Path) -> str:
    """The assignment whose notebook name the archive's files carry (or, failing that, its own name)."""
    known = course.assignments()
    found = {a for a in known for name in names if a in PurePosixPath(name).name}
    if len(found) != 1:
        found = {a for a in known if a in archive.name} or found
    if len(found) == 1:
        return found.pop()
    seen = f"its files name {', '.join(sorted(found))}" if found else "no file names a known assignment"
    raise course.GradingError(f"cannot tell which assignment {archive.name} holds ({seen}): say which, as in"
                              f" make collect ARCHIVE={archive} ASSIGNMENT=<one of {', '.join(known)}>"
                              " (then make grade SUBMISSIONS=OUT/collected)")


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def collect(archive: Path, out: Path, lms: str | None = None, assignment: str | None = None,
            class_roster: roster.Roster | None = None) -> Collected:
    """Place the files of an LMS download archive into OUT/collected/<student>/<assignment>/."""
    archive, out = Path(archive).resolve(), Path(out).resolve()
    if not zipfile.is_zipfile(archive):
        raise course.GradingError(f"{archive} is not a zip archive: give the file the LMS's download gave you")
    with zipfile.ZipFile(archive) as handle:
        names = handle.namelist()
    lms = lms or detect_lms(names)
    if lms not in COLLECTORS:
        raise course.GradingError(f"no LMS {lms!r}: choose one of {', '.join(COLLECTORS)}")
    assignment = assignment or detect_assignment(names, archive)
    if assignment not in course.assignments():
        raise course.GradingError(f"no assignment {assignment!r} in solutions/")

    downloaded = out / "downloaded" / assignment
    shutil.rmtree(downloaded / "archive", ignore_errors=True)
    (downloaded / "archive").mkdir(parents=True)
    shutil.copy2(archive, downloaded / "archive" / archive.name)

    config = Config()
    config.CourseDirectory.root = str(out)
    config.CourseDirectory.submitted_directory = "collected"
    config.CourseDirectory.release_directory = str(course.NOTEBOOKS)  # the release names the valid notebooks
    config.ZipCollectApp.collector_plugin = COLLECTORS[lms]
    config.ZipCollectApp.force = True  # a new download of the assignment replaces what a student had
    config.ExtractorPlugin.force = True
    app = ZipCollectApp(config=config)
    app.log_level = logging.ERROR
    errors = _Errors()
    app.log.addHandler(errors)
    app.coursedir = CourseDirectory(parent=app)
    app.coursedir.assignment_id = assignment
    app.init_plugins()
    collector = app.collector_plugin_inst
    collector.roster = class_roster
    try:
        app.extract_archive_files()
        app.process_extracted_files()
    except SystemExit as stop:  # nbgrader's apps leave by sys.exit on an error they logged
        raise course.GradingError(f"nbgrader zip_collect stopped on {archive.name}: "
                                  f"{'; '.join(errors.messages) or stop}") from None
    finally:
        app.log.removeHandler(errors)
    outside = [(name, "a path outside the archive's folder: not extracted") for name in names
               if name.startswith("/") or ".." in name.split("/")]  # what nbgrader's unzip skips
    result = Collected(lms, assignment, out / "collected", collector.placed, outside + collector.unplaced)
    (downloaded / "unplaced.txt").write_text("".join(f"{path}: {reason}\n" for path, reason in result.unplaced))
    return result


def report(result: Collected) -> None:
    files = sum(len(paths) for paths in result.placed.values())
    print(f"collected {files} files of {len(result.placed)} students for {result.assignment} from a"
          f" {result.lms.capitalize()} download into {result.folder}", flush=True)
    for path, reason in result.unplaced:
        print(f"problem: not placed: {path}: {reason}")


def prepare_submissions(submissions: Path, out: Path, roster_path: Path | None = None,
                        lms: str | None = None) -> Path:
    """The folder to grade: ``submissions`` itself, or, for an LMS download archive, OUT/collected after
    collecting it there."""
    if not Path(submissions).is_file():
        return submissions
    result = collect(submissions, out, lms, None, roster.read(roster_path) if roster_path else None)
    report(result)
    return result.folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path, help="the zip archive downloaded from the LMS")
    parser.add_argument("--out", type=Path, default=course.REPO / "build" / "grade")
    parser.add_argument("--lms", choices=sorted(COLLECTORS), help="default: told by the archive's file names")
    parser.add_argument("--assignment", help="default: told by the notebooks' names in the archive")
    parser.add_argument("--roster", type=Path, help="roster.csv: student_id,name,lms_id,email")
    args = parser.parse_args(argv)
    try:
        class_roster = roster.read(args.roster) if args.roster else None
        result = collect(args.archive, args.out, args.lms, args.assignment, class_roster)
    except course.GradingError as error:
        print(f"collect failed: {error}", file=sys.stderr)
        return 1
    report(result)
    print(f"grade them: make grade SUBMISSIONS={result.folder} OUT={args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
