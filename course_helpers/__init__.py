"""Plumbing shared by the course notebooks: run mode, seeds, data, plots, checks.

Importing this package has no side effects; notebooks call what they need in Setup.
"""
