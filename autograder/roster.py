"""The class roster, roster.csv: how a student of nbgrader is known to the LMS (Canvas, Moodle).

One row per student, with a header row naming the columns (in any order, any case; other columns are
ignored):

    student_id,name,lms_id,email
    ada,Ada Lovelace,12345,ada@example.edu

``student_id`` is the student's folder in nbgrader's layout (letters, digits, ``.``, ``_``, ``-``);
``lms_id`` is the LMS's id of the student (Canvas: the user id of its gradebook's ID column; Moodle: the
ID number of the user's profile); ``name`` is the name the LMS shows (Moodle names the folders of a
submissions download by it); ``email`` is the address the LMS knows (Moodle's grade import can match
by it). A roster that cannot be read is refused whole, with every problem and its line.
"""

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from autograder import course

COLUMNS = ("student_id", "name", "lms_id", "email")
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class RosterError(course.GradingError):
    """roster.csv cannot be used as it is; the message lists what to fix, line by line."""


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str = ""
    lms_id: str = ""
    email: str = ""


def _column(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def name_words(name: str) -> list[str]:
    """The words of a name without accents, case or punctuation ("Zoë O'Neil" -> zoe, oneil)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", re.sub(r"['’`]", "", plain.casefold()))


def name_key(name: str) -> str:
    """A name as compared across systems: accents, case, punctuation and word order set aside."""
    return " ".join(sorted(name_words(name)))


@dataclass(frozen=True)
class Roster:
    path: Path
    students: tuple[Student, ...]

    def by_student_id(self) -> dict[str, Student]:
        return {s.student_id: s for s in self.students}

    def by_lms_id(self) -> dict[str, Student]:
        return {s.lms_id: s for s in self.students if s.lms_id}

    def by_name(self, name: str) -> list[Student]:
        """The roster's students of this name (compared by name_key): none, one, or several."""
        key = name_key(name)
        return [s for s in self.students if key and name_key(s.name) == key]


def read(path: Path) -> Roster:
    """Read roster.csv, or raise RosterError listing every problem with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise RosterError(f"no roster at {path}") from error
    except UnicodeDecodeError as error:
        raise RosterError(f"{path} is not UTF-8 text ({error}): save it as CSV UTF-8") from error
    try:
        rows = list(csv.reader(text.splitlines(), strict=True))
    except csv.Error as error:
        raise RosterError(f"{path} is not a readable CSV file: {error}") from error
    rows = [(number, row) for number, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not rows:
        raise RosterError(f"{path} is empty: expected a header row {','.join(COLUMNS)} and one row per student")
    header = [_column(cell) for cell in rows[0][1]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise RosterError(f"{path}, line {rows[0][0]}: no column {', '.join(missing)} in the header"
                          f" {rows[0][1]} (expected {','.join(COLUMNS)})")
    where = {name: header.index(name) for name in COLUMNS}
    problems, students = [], []
    seen_ids: dict[str, int] = {}
    seen_lms: dict[str, int] = {}
    for number, row in rows[1:]:
        if len(row) != len(header):
            problems.append(f"line {number}: {len(row)} fields where the header has {len(header)}: {row}")
            continue
        student = Student(**{name: row[index].strip() for name, index in where.items()})
        if not STUDENT_ID.fullmatch(student.student_id):
            problems.append(f"line {number}: student_id {student.student_id!r} is not a folder name"
                            " (letters, digits, '.', '_' and '-', not starting with '.', '_' or '-')")
            continue
        if student.student_id in seen_ids:
            problems.append(f"line {number}: student_id {student.student_id} is already on line"
                            f" {seen_ids[student.student_id]}")
        if student.lms_id and student.lms_id in seen_lms:
            problems.append(f"line {number}: lms_id {student.lms_id} is already on line {seen_lms[student.lms_id]}")
        seen_ids.setdefault(student.student_id, number)
        if student.lms_id:
            seen_lms.setdefault(student.lms_id, number)
        students.append(student)
    if problems:
        raise RosterError(f"{path} cannot be used as it is:\n  " + "\n  ".join(problems))
    return Roster(path, tuple(students))
