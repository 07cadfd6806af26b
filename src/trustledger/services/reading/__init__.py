"""Reading: a subject's file, the portal, statistics, exports and recomputes (every read audited)."""
