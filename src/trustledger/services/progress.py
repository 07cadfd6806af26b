"""Progress of long work (imports, exports, recompute), reported to whoever shows it."""

from __future__ import annotations

from collections.abc import Callable

# Progress of long work: called with the amount done since the last call.
Advance = Callable[[int], None]
