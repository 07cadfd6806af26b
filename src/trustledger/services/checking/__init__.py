"""Checking: the check use case, the index's feed from the event log, replica lag."""
