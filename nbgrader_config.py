"""nbgrader settings for the course; `make grade` loads this file and then points nbgrader at OUT.

Paths are relative to the repository root, where `make lab` and `make release` run.
"""

c = get_config()  # noqa: F821 — provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "training-deep-neural-networks"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
# The gradebook of `make release` and of the formgrader in `make lab` lives in an ignored folder.
c.CourseDirectory.db_url = "sqlite:///.course/gradebook.db"

# Quick-mode cells finish in seconds; a cell that runs a minute is stuck and is interrupted.
c.Execute.timeout = 60
# A flood of output is cut, not stored in the gradebook and the feedback.
c.LimitOutput.max_lines = 500
c.LimitOutput.max_traceback = 100

# Locked cells edited by a student are restored from the gradebook; deleted test cells are re-added.
c.OverwriteCells.add_missing_cells = True

# nbgrader scores 0 for a graded cell with *any* stderr output. TensorFlow's C++ log lines
# (absl format: "E0000 00:00:... file.cc:NN] ...") and Python warnings are not failures.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = (
    r"(?m)^([IWEF]\d{4} \d\d:\d\d:\d\d|WARNING: All log messages before absl"
    r"|\S*\.py:\d+: \w*Warning: |WARNING:absl:)"
)

# A kernel that dies costs only the cell it was running: autograder/execute.py restarts it and replays.
c.Autograde.autograde_preprocessors = [
    "autograder.execute.ResilientExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.verdict.ApplyVerdicts",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.ResilientExecute.max_restarts = 3
# Every test cell is judged outside the student's kernel (autograder/verdict.py): the kernel runs the
# visible checks only, and the grade is what the grader's own replay of each whole test cell gives.
c.ResilientExecute.judge_outside = True
# After the last cell the kernel is killed, not asked to exit: its clean-up (TensorFlow's, the
# interpreter's) costs a second of CPU per notebook, and nothing it would still do is graded.
c.ResilientExecute.shutdown_kernel = "immediate"

# Feedback shows each test's message but never the source of hidden tests.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "autograder.feedback.HideHiddenTests",
]
c.GenerateFeedback.exporter_class = "autograder.feedback.FeedbackExporter"
