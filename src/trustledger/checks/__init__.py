"""The check core: the in-memory check index, its input columns and its refresh from changes.

Pure (the domain, numpy and the standard library): below the services, which feed it from the
store and answer checks with it.
"""

from trustledger.checks.columns import RestrictionColumns
from trustledger.checks.index import CheckIndex, SubjectChange, changes_of
from trustledger.checks.rows import Denial

__all__ = ["CheckIndex", "Denial", "RestrictionColumns", "SubjectChange", "changes_of"]
