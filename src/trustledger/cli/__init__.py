"""The `trustledger` command line: one module per command group, errors mapped in app.py."""
