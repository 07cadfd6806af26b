"""Audit: the audit chain and the transparency log, verified."""
