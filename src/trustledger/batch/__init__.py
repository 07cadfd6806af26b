"""Batch work: a synthetic population, and score/restriction recompute in DuckDB over Parquet."""
