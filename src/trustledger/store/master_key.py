"""The master key and the vault file, kept outside the database (docs/store.md).

The master key comes from TRUSTLEDGER_MASTER_KEY, or a key file made on first start
(TRUSTLEDGER_MASTER_KEY_FILE; by default next to a SQLite database, else ./trustledger-master.key),
like the cookie secret and the log's key. The vault (TRUSTLEDGER_VAULT_FILE; by default next to a
SQLite database, else ./trustledger.vault; a file `<vault>.<registry id>` per registry) holds the
key-encryption keys; back it up apart from the database, on the schedule erasures must reach
backups by.
"""

from __future__ import annotations

from trustledger.domain.errors import Unavailable
from trustledger.secret_files import beside_database, read_or_create
from trustledger.settings import Settings
from trustledger.store.crypto import MasterKey
from trustledger.store.data_keys import Keyring
from trustledger.store.vault import Vault


def load_keyring(settings: Settings, db_url: str, *, create: bool = True) -> Keyring:
    """The configured keys; a read-only replica (`create` False) makes none and may have none."""
    if settings.master_key:
        master = MasterKey.parse(settings.master_key)
    else:
        path = settings.master_key_file or beside_database(
            db_url, ".masterkey", "trustledger-master.key"
        )
        if not create and not path.exists():
            raise Unavailable(f"the master key is not on this read-only replica ({path})")
        master = MasterKey.parse(read_or_create(path, MasterKey.new_text), field=str(path))
    vault_path = settings.vault_file or beside_database(db_url, ".vault", "trustledger.vault")
    return Keyring(master, Vault(vault_path, master, create=create))
