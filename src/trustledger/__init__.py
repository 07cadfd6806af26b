"""trustledger: adjudicated conduct records, a published rulebook, and an accountable travel check."""

__version__ = "0.1.0"
