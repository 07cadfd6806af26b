"""The pure core: identity schemes, records, rulebook model, evaluation. No I/O, no clock."""
