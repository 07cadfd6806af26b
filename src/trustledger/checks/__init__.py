"""The in-memory check index and its refresh from restriction changes."""

from trustledger.checks.index import CheckIndex, SubjectChange
from trustledger.checks.rows import Denial

__all__ = ["CheckIndex", "Denial", "SubjectChange"]
