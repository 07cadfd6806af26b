"""The trustledger CLI with the test rulebook in place of the configured one, for subprocesses."""

from __future__ import annotations

import trustledger.bootstrap
from tests.factories import rulebook
from trustledger.cli.app import main

trustledger.bootstrap.load_configured_rulebook = lambda settings: rulebook()

if __name__ == "__main__":
    main()
