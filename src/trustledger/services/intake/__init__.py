"""Intake: what sources submit, correct and withdraw, one record or a file at a time."""
