"""The log's Ed25519 signing key, kept outside the database.

From TRUSTLEDGER_LOG_KEY, or a key file made on first start (TRUSTLEDGER_LOG_KEY_FILE; by default
next to a SQLite database, else ./trustledger-log.key). Written as a note signer key:
`PRIVATE+KEY+<name>+<key id>+<base64(0x01 || 32-byte seed)>`; the name is the log's origin.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from trustledger.domain.checkpoints import ED25519, VerifierKey, key_id
from trustledger.domain.errors import InvalidInput, Unavailable
from trustledger.secret_files import beside_database, read_or_create
from trustledger.settings import Settings

PREFIX = "PRIVATE+KEY+"


class Ed25519Signer:
    def __init__(self, name: str, private: Ed25519PrivateKey) -> None:
        self._private = private
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._key = VerifierKey(name, public)

    @property
    def key(self) -> VerifierKey:
        return self._key

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


def new_signer_text(name: str) -> str:
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    encoded = base64.b64encode(ED25519 + seed).decode()
    return f"{PREFIX}{name}+{key_id(name, public).hex()}+{encoded}"


def parse_signer(text: str, *, field: str = "TRUSTLEDGER_LOG_KEY") -> Ed25519Signer:
    rest = text.strip().removeprefix(PREFIX)
    name, _, rest = rest.partition("+")
    hex_id, _, encoded = rest.partition("+")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raw = b""
    if not text.strip().startswith(PREFIX) or not name or len(raw) != 33 or raw[:1] != ED25519:
        raise InvalidInput(field, "not an Ed25519 signer key PRIVATE+KEY+name+keyid+base64")
    signer = Ed25519Signer(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if signer.key.key_id.hex() != hex_id.lower():
        raise InvalidInput(field, "the key ID does not match the key")
    return signer


def load_signer(settings: Settings, db_url: str, *, create: bool = True) -> Ed25519Signer:
    """The configured key, or the key file's (made now if there is none and `create`; a
    read-only replica makes none: a key of its own would sign nothing the primary logged)."""
    if settings.log_key:
        return parse_signer(settings.log_key)
    path = settings.log_key_file or beside_database(db_url, ".logkey", "trustledger-log.key")
    if not create and not path.exists():
        raise Unavailable(
            f"the log's key is not on this read-only replica ({path}): ask the primary"
        )
    text = read_or_create(path, lambda: new_signer_text(settings.log_origin))
    return parse_signer(text, field=str(path))
