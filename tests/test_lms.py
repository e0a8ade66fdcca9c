"""Submissions from the LMS and grades back into it.

A Canvas download (files named as Canvas names them) is collected by nbgrader's zip_collect and graded in
one `grade()` call, one notebook only; the rest — Moodle downloads, rosters that miss students or have
extra ones, malformed rosters and archives, the CSV files for each LMS's import — is checked without
grading. The archives are made here, from the sample submissions, in each LMS's naming:
Canvas, lib/content_zipper.rb: ``<sortable name>[_LATE]_<user id>_<file id>_<file name>``;
Moodle, mod/assign/classes/downloader.php: ``<full name>_<participant id>_assignsubmission_file/<file>``.
"""

import csv
import zipfile

import pytest
from nbgrader.api import Gradebook

from autograder import course, grade, lms_collect, lms_export, report, roster, samples

FAST = "04_loss_functions"  # the quickest notebook to grade
POINTS = f"{sum(samples.test_points(FAST).values()):g}"  # its full marks, as the CSV files write them
REFERENCE = (course.SAMPLES / "reference" / FAST / f"{FAST}.ipynb").read_bytes()
BLANK = (course.SAMPLES / "blank" / FAST / f"{FAST}.ipynb").read_bytes()
ROSTER = """student_id,name,lms_id,email
ada,Ada Lovelace,12345,ada@example.edu
bob,"Builder, Bob",23456,bob@example.edu
nomail,No Mail,,
"""


def make_zip(path, files: dict[str, bytes | str]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def canvas_importer_accepts(rows: list[list[str]], assignments: list[str]) -> None:
    """The checks Canvas's gradebook importer (app/models/gradebook_importer.rb) makes of a CSV file."""
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], header  # row_has_student_headers?
    assert header[2:4] == ["SIS User ID", "SIS Login ID"], header  # update_column_count: 5 student columns
    assert "Section" in header[4], header  # last_student_info_column must be Section
    assert header[5:] == assignments
    assert "Points Possible" in rows[1][0]  # check_for_non_student_row: the points of new assignments
    for row in rows[2:]:
        assert len(row) == len(header), row
        assert all(cell == "" or float(cell) >= 0 for cell in row[5:]), row


@pytest.fixture(scope="module")
def canvas_graded(tmp_path_factory):
    """A Canvas download of 04 graded with a roster: Ada's notebook (late, re-uploaded, so Canvas added -1),
    a file of hers that is not a notebook, and files that cannot be placed."""
    folder = tmp_path_factory.mktemp("canvas")
    archive = make_zip(folder / "course-04_loss_functions submissions.zip", {
        f"lovelaceada_LATE_12345_901_{FAST}-1.ipynb": REFERENCE,
        "lovelaceada_LATE_12345_902_scratch.txt": "my notes",
        f"hoppergrace_34567_903_{FAST}.ipynb": REFERENCE,  # not in the roster
        "turingalan_45678_text.html": "<p>my answer</p>",  # a text entry, no file
        f"{FAST}.ipynb": REFERENCE,  # not in Canvas's naming
        "__MACOSX/._lovelaceada_LATE_12345_901_x.ipynb": "",
    })
    (folder / "roster.csv").write_text(ROSTER)
    out = folder / "out"
    problems = grade.grade(archive, out, workers=1, progress=False, roster=folder / "roster.csv")
    return folder, out, problems


def test_a_canvas_download_is_collected_and_graded(canvas_graded):
    """Is the notebook Canvas renamed placed under its student's roster id and graded in full, with the rename
    reported and the other file kept beside it?"""
    _, out, problems = canvas_graded
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        assert [s.id for s in gradebook.students] == ["ada"]
        submission = gradebook.find_submission(FAST, "ada")
        assert submission.score == submission.max_score > 0
    assert (out / "feedback" / "ada" / FAST / f"{FAST}.html").is_file()
    assert (out / "collected" / "ada" / FAST / "scratch.txt").read_text() == "my notes"
    assert any("-1.ipynb" in p and "renamed" in p for p in problems[("ada", FAST)]), problems


def test_files_a_download_cannot_place_are_reported(canvas_graded):
    """Are the student missing from the roster, the text entry, the foreign name and the clutter each listed
    with the reason, in unplaced.txt and in the class report?"""
    _, out, _ = canvas_graded
    unplaced = (out / "downloaded" / FAST / "unplaced.txt").read_text().splitlines()
    reasons = dict(line.split(": ", 1) for line in unplaced)
    assert set(reasons) == {f"hoppergrace_34567_903_{FAST}.ipynb", "turingalan_45678_text.html", f"{FAST}.ipynb",
                            "__MACOSX/._lovelaceada_LATE_12345_901_x.ipynb"}
    assert "Canvas user 34567 (hoppergrace) is not in roster.csv" in reasons[f"hoppergrace_34567_903_{FAST}.ipynb"]
    assert "text entry" in reasons["turingalan_45678_text.html"]
    assert "not in Canvas's naming" in reasons[f"{FAST}.ipynb"]
    page = (out / "report.html").read_text()
    assert "4 files of the LMS download not placed" in page and "hoppergrace_34567_903" in page


def test_canvas_csv_has_the_importers_columns_and_every_roster_student(canvas_graded):
    """Does the Canvas CSV pass the checks of Canvas's importer, give Ada her score under her Canvas id, and
    keep Bob (on the roster, nothing graded) as an empty row that is reported?"""
    folder, out, _ = canvas_graded
    result = lms_export.export(out, "canvas", folder / "roster.csv")
    rows = read_csv(result.path)
    canvas_importer_accepts(rows, [FAST])
    assert rows[1][5] == POINTS
    by_id = {row[1]: row for row in rows[2:]}
    assert by_id["12345"][:5] == ["Ada Lovelace", "12345", "", "ada@example.edu", ""] and by_id["12345"][5] == POINTS
    assert by_id["23456"][0] == "Builder, Bob" and by_id["23456"][5] == ""
    assert any(p.startswith("bob: in roster.csv but nothing of theirs is graded") for p in result.problems)
    assert any(p.startswith("nomail: no lms_id") for p in result.problems)
    assert (out / "lms" / "canvas-problems.txt").read_text().splitlines() == result.problems


def test_moodle_csv_identifies_every_row_and_reports_who_it_cannot(canvas_graded):
    """Does the Moodle CSV have the export's columns, an email and ID number on every row, '-' where nothing
    is graded, and leave out (and report) the student with neither, at whom Moodle would stop the import?"""
    folder, out, _ = canvas_graded
    result = lms_export.export(out, "moodle", folder / "roster.csv")
    rows = read_csv(result.path)
    assert rows[0] == ["First name", "Last name", "ID number", "Email address", FAST]
    assert rows[1:] == [["Ada", "Lovelace", "12345", "ada@example.edu", POINTS],
                        ["Bob", "Builder", "23456", "bob@example.edu", "-"]]
    assert any(p.startswith("nomail: neither email nor lms_id") for p in result.problems)


def test_graded_students_missing_from_the_roster_are_reported_not_dropped(canvas_graded, tmp_path):
    """With a roster that lacks Ada (graded) and has a student with nothing graded, is each reported?"""
    _, out, _ = canvas_graded
    (tmp_path / "roster.csv").write_text("student_id,name,lms_id,email\ncarol,Carol C,777,carol@example.edu\n")
    for lms in lms_export.LMS:
        result = lms_export.export(out, lms, tmp_path / "roster.csv", tmp_path / f"{lms}.csv")
        assert "ada: graded but not in roster.csv, so not written (add the student to the roster)" in result.problems
        assert any(p.startswith("carol: in roster.csv but nothing of theirs is graded") for p in result.problems)
        assert "ada" not in (tmp_path / f"{lms}.csv").read_text()


def test_export_without_roster(canvas_graded, tmp_path):
    """Without a roster: Canvas gets the student ids as they are (a Canvas user id after collecting without
    a roster); Moodle, which needs an email or ID number, is refused with what to do."""
    _, out, _ = canvas_graded
    result = lms_export.export(out, "canvas", None, tmp_path / "canvas.csv")
    assert read_csv(result.path)[2][:2] == ["ada", ""]
    assert result.problems == ["ada: no Canvas user id without a roster; Canvas will look for a student of that name"]
    with pytest.raises(roster.RosterError, match="ROSTER=roster.csv"):
        lms_export.export(out, "moodle", None, tmp_path / "moodle.csv")
    assert not (tmp_path / "moodle.csv").exists()


def test_export_command_reports_problems_and_refuses_a_bad_roster(canvas_graded, tmp_path, capsys):
    """Does `make export-lms` print each problem and where the file went, and refuse a malformed roster with
    its line, writing nothing?"""
    folder, out, _ = canvas_graded
    target = tmp_path / "canvas.csv"
    assert lms_export.main(["--lms", "canvas", "--out", str(out), "--roster", str(folder / "roster.csv"),
                            "--to", str(target)]) == 0
    printed = capsys.readouterr().out
    assert "problem: bob: in roster.csv but nothing of theirs is graded" in printed
    assert f"canvas: 3 students written to {target}" in printed
    (tmp_path / "bad.csv").write_text("student_id,name,lms_id,email\nada,Ada,1,a@x\nada,Ada again,2,b@x\n")
    assert lms_export.main(["--lms", "canvas", "--out", str(out), "--roster", str(tmp_path / "bad.csv"),
                            "--to", str(tmp_path / "never.csv")]) == 1
    assert "line 3: student_id ada is already on line 2" in capsys.readouterr().err
    assert not (tmp_path / "never.csv").exists()


def test_a_moodle_download_is_collected(tmp_path):
    """Moodle's folder per participant (Moodle 4, and 3's trailing underscore), files without folders, a file
    in a subfolder: each placed by the participant's name in the roster, whatever its accents or order; an
    online-text entry, a name missing from the roster and a name the roster has twice are reported."""
    archive = make_zip(tmp_path / "COURSE-Loss functions-42.zip", {
        f"Ada Lovelace_1001_assignsubmission_file/{FAST}.ipynb": REFERENCE,
        "Ada Lovelace_1001_assignsubmission_file/data/extra.csv": "a,b",
        f"Bob Builder_1002_assignsubmission_file_/{FAST}.ipynb": BLANK,
        f"Zoë O'Neil_1003_assignsubmission_file_{FAST}.ipynb": BLANK,
        "Ada Lovelace_1001_assignsubmission_onlinetext/onlinetext.html": "<p>text</p>",
        f"Grace Hopper_1004_assignsubmission_file/{FAST}.ipynb": REFERENCE,
        f"John Smith_1005_assignsubmission_file/{FAST}.ipynb": REFERENCE,
    })
    (tmp_path / "roster.csv").write_text(ROSTER + "zoe,Zoe ONeil,3,zoe@example.edu\n"
                                         "js1,John Smith,4,j1@example.edu\njs2,john smith,5,j2@example.edu\n")
    result = lms_collect.collect(archive, tmp_path / "out", class_roster=roster.read(tmp_path / "roster.csv"))
    assert (result.lms, result.assignment) == ("moodle", FAST)
    collected = tmp_path / "out" / "collected"
    assert (collected / "ada" / FAST / f"{FAST}.ipynb").read_bytes() == REFERENCE
    assert (collected / "ada" / FAST / "data" / "extra.csv").read_text() == "a,b"
    assert (collected / "bob" / FAST / f"{FAST}.ipynb").read_bytes() == BLANK
    assert (collected / "zoe" / FAST / f"{FAST}.ipynb").read_bytes() == BLANK
    assert sorted(p.name for p in collected.iterdir()) == ["ada", "bob", "zoe"]
    reasons = dict(result.unplaced)
    assert reasons == {
        "Ada Lovelace_1001_assignsubmission_onlinetext/onlinetext.html":
            "a Moodle onlinetext entry, not a file handed in",
        f"Grace Hopper_1004_assignsubmission_file/{FAST}.ipynb":
            "Grace Hopper is not in roster.csv (no student of that name)",
        f"John Smith_1005_assignsubmission_file/{FAST}.ipynb":
            "John Smith is in roster.csv 2 times (js1, js2): cannot tell which",
    }


def test_without_a_roster_students_are_named_by_the_lms(tmp_path):
    """Without a roster, is a Canvas student named by the Canvas user id and a Moodle one by the name, and an
    anonymous Canvas submission reported, since nobody can tell whose it is?"""
    canvas = make_zip(tmp_path / "c.zip", {f"lovelaceada_12345_9_{FAST}.ipynb": REFERENCE,
                                           f"anon_x7Qa_10_{FAST}.ipynb": REFERENCE})
    result = lms_collect.collect(canvas, tmp_path / "c")
    assert list(result.placed) == ["12345"]
    assert "anonymous submission anon_x7Qa" in dict(result.unplaced)[f"anon_x7Qa_10_{FAST}.ipynb"]
    moodle = make_zip(tmp_path / "m.zip", {f"Zoë O'Neil_1003_assignsubmission_file/{FAST}.ipynb": REFERENCE})
    assert list(lms_collect.collect(moodle, tmp_path / "m").placed) == ["zoe-oneil"]


def test_a_students_own_zip_is_unpacked_and_unsafe_paths_are_reported(tmp_path):
    """A student who handed in a zip of their work gets its files placed (and the zip kept); entries that
    point outside the archive, which nbgrader's unzip does not extract, are reported rather than lost."""
    inner = tmp_path / "mywork.zip"
    make_zip(inner, {f"{FAST}.ipynb": REFERENCE, "data/x.csv": "1"})
    archive = make_zip(tmp_path / "c.zip", {"lovelaceada_12345_901_mywork.zip": inner.read_bytes(),
                                            f"../builderbob_23456_2_{FAST}.ipynb": BLANK})
    result = lms_collect.collect(archive, tmp_path / "out")
    folder = tmp_path / "out" / "collected" / "12345" / FAST
    assert (folder / f"{FAST}.ipynb").read_bytes() == REFERENCE
    assert (folder / "data" / "x.csv").read_text() == "1" and (folder / "mywork.zip").is_file()
    assert result.unplaced == [(f"../builderbob_23456_2_{FAST}.ipynb",
                                "a path outside the archive's folder: not extracted")]


def test_a_new_download_replaces_what_a_student_handed_in_before(tmp_path):
    """Collected again from a later download, does a student's newer notebook replace the older one, while a
    student who is not in the later download keeps theirs?"""
    first = make_zip(tmp_path / "first.zip", {f"lovelaceada_12345_1_{FAST}.ipynb": BLANK,
                                              f"builderbob_23456_2_{FAST}.ipynb": BLANK})
    later = make_zip(tmp_path / "later.zip", {f"lovelaceada_12345_3_{FAST}.ipynb": REFERENCE})
    for archive in (first, later):
        lms_collect.collect(archive, tmp_path / "out")
    collected = tmp_path / "out" / "collected"
    assert (collected / "12345" / FAST / f"{FAST}.ipynb").read_bytes() == REFERENCE
    assert (collected / "23456" / FAST / f"{FAST}.ipynb").read_bytes() == BLANK


def test_archives_that_cannot_be_read_are_refused_with_advice(tmp_path):
    """A file that is not a zip, an archive in neither LMS's naming, and one whose assignment is unclear:
    is each refused with what to do, and does naming the LMS and the assignment then work?"""
    (tmp_path / "notes.zip").write_text("not a zip")
    with pytest.raises(course.GradingError, match="is not a zip archive"):
        lms_collect.collect(tmp_path / "notes.zip", tmp_path / "out")
    foreign = make_zip(tmp_path / "foreign.zip", {f"ada/{FAST}.ipynb": REFERENCE})
    with pytest.raises(course.GradingError, match="LMS=canvas or LMS=moodle"):
        lms_collect.collect(foreign, tmp_path / "out")
    mixed = make_zip(tmp_path / "mixed.zip", {f"lovelaceada_1_2_{FAST}.ipynb": REFERENCE,
                                              "lovelaceada_1_3_02_activation_functions.ipynb": REFERENCE})
    with pytest.raises(course.GradingError, match="ASSIGNMENT="):
        lms_collect.collect(mixed, tmp_path / "out")
    result = lms_collect.collect(mixed, tmp_path / "out", lms="canvas", assignment=FAST)
    assert sorted((tmp_path / "out" / "collected" / "1" / FAST).iterdir()) == [
        tmp_path / "out" / "collected" / "1" / FAST / "02_activation_functions.ipynb",
        tmp_path / "out" / "collected" / "1" / FAST / f"{FAST}.ipynb"]
    assert result.unplaced == []


@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("student_id,name,email\nada,Ada,a@x\n", "no column lms_id"),
    ('student_id,name,lms_id,email\nada,"Ada Lovelace,1,a@x\n', "not a readable CSV file"),
    ("student_id,name,lms_id,email\nada,Ada,1,a@x\nbob,Bob,1,b@x\n", "line 3: lms_id 1 is already on line 2"),
    ("student_id,name,lms_id,email\nada,Ada,1\n", "line 2: 3 fields where the header has 4"),
    ("student_id,name,lms_id,email\n../ada,Ada,1,a@x\n", "line 2: student_id '../ada' is not a folder name"),
])
def test_a_malformed_roster_is_refused_with_its_line(tmp_path, text, message):
    """Is every kind of broken roster refused whole, saying what and where?"""
    (tmp_path / "roster.csv").write_text(text)
    with pytest.raises(roster.RosterError, match=message.replace("(", r"\(").replace(".", r"\.")):
        roster.read(tmp_path / "roster.csv")


def test_a_roster_saved_by_a_spreadsheet_is_read(tmp_path):
    """A roster with a byte-order mark, headers in other case and spacing, columns in another order, extra
    columns and blank lines: is it read as meant?"""
    (tmp_path / "roster.csv").write_bytes("\ufeffEmail,Student ID,Name,LMS ID,Section\n\n"
                                          "ada@x,ada,Ada Lovelace,12345,A\n".encode())
    class_roster = roster.read(tmp_path / "roster.csv")
    assert class_roster.students == (roster.Student("ada", "Ada Lovelace", "12345", "ada@x"),)
    assert class_roster.by_name("lovelace, ADA") == list(class_roster.students)


def test_the_report_names_no_submission_it_did_not_grade(canvas_graded):
    """Does the report of the collected course count one submission of 04, graded in full?"""
    _, out, _ = canvas_graded
    data = report.gather(out)
    [assignment] = data.assignments
    assert (assignment.name, assignment.submitted, assignment.graded) == (FAST, 1, 1)
    assert assignment.scores == [float(POINTS)]
