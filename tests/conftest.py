"""The suite's deployment speaks English unless a test asks for another language.

The default under the `cn-ric` scheme is Simplified Chinese; the tests written against English
pages and letters say so here, once, and the Chinese tests choose zh-Hans explicitly. Servers the
tests start as subprocesses inherit it.
"""

from __future__ import annotations

import os

os.environ.setdefault("TRUSTLEDGER_LANGUAGE", "en")
