"""Retention: a record's personal data is erased (its keys destroyed) once its effect is over,
or earlier when an officer grants the subject's request."""
