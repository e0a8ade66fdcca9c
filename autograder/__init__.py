"""The course's grading tools: release, sample submissions and the grading pipeline around nbgrader."""
