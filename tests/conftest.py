"""The suite's deployment speaks English unless a test asks for another language.

The default under the `cn-ric` scheme is Simplified Chinese; the tests written against English
pages and letters say so here, once, and the Chinese tests choose zh-Hans explicitly. Servers the
tests start as subprocesses inherit it.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("TRUSTLEDGER_LANGUAGE", "en")
# The suite's registries share one master key and one vault path (a file per registry), kept
# here rather than in the working directory, where a PostgreSQL registry's would go by default.
_KEYS = tempfile.mkdtemp(prefix="trustledger-test-keys-")
os.environ.setdefault("TRUSTLEDGER_MASTER_KEY_FILE", os.path.join(_KEYS, "master.key"))
os.environ.setdefault("TRUSTLEDGER_VAULT_FILE", os.path.join(_KEYS, "test.vault"))
