"""Signed checkpoints: the C2SP tlog-checkpoint body in a C2SP signed note, Ed25519.

A checkpoint says "the log named `origin` had `size` leaves with this root hash at this time".
Body: the origin, the size in decimal, the root in base64, then one extension line
`time <unix seconds>`, each ending in a newline. The note adds a blank line and one signature
line per signer: an em dash, the key's name, base64 of the 4-byte key ID and the signature.
The key ID is the first 4 bytes of SHA-256(name, 0x0A, 0x01, public key) (C2SP signed-note).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from trustledger.domain.errors import InvalidInput

ED25519 = b"\x01"
DASH = "\u2014 "


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    time: datetime  # naive UTC, whole seconds

    def body(self) -> str:
        seconds = int(self.time.replace(tzinfo=UTC).timestamp())
        root = base64.b64encode(self.root).decode()
        return f"{self.origin}\n{self.size}\n{root}\ntime {seconds}\n"


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A log's public key, written `name+keyid+base64(0x01 || key)` (a note verifier key)."""

    name: str
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public)

    def text(self) -> str:
        encoded = base64.b64encode(ED25519 + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def parse_verifier_key(text: str, *, field: str = "public_key") -> VerifierKey:
    name, sep, rest = text.strip().partition("+")
    hex_id, sep2, encoded = rest.partition("+")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raw = b""
    if not (sep and sep2 and name) or len(raw) != 33 or raw[:1] != ED25519:
        raise InvalidInput(field, "not an Ed25519 verifier key of the form name+keyid+base64")
    key = VerifierKey(name, raw[1:])
    if key.key_id.hex() != hex_id.lower():
        raise InvalidInput(field, "the key ID does not match the key")
    return key


def signed_note(body: str, key: VerifierKey, signature: bytes) -> str:
    encoded = base64.b64encode(key.key_id + signature).decode()
    return f"{body}\n{DASH}{key.name} {encoded}\n"


def open_note(note: str, key: VerifierKey, *, field: str = "checkpoint") -> Checkpoint:
    """The checkpoint a note carries, if `key` signed it; InvalidInput naming why not."""
    body, sep, signatures = note.partition("\n\n")
    if not sep:
        raise InvalidInput(field, "not a signed note (no blank line before the signatures)")
    body += "\n"
    for line in signatures.splitlines():
        if _signed_by(body, line, key):
            return parse_body(body, field=field)
    raise InvalidInput(field, f"no valid signature by {key.name} ({key.key_id.hex()})")


def _signed_by(body: str, line: str, key: VerifierKey) -> bool:
    if not line.startswith(DASH):
        return False
    name, _, encoded = line[len(DASH) :].rpartition(" ")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return False
    if name != key.name or raw[:4] != key.key_id:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(key.public).verify(raw[4:], body.encode())
    except InvalidSignature:
        return False
    return True


def parse_body(body: str, *, field: str = "checkpoint") -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise InvalidInput(field, "a checkpoint has an origin, a size and a root hash line")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise InvalidInput(field, f"tree size {size!r} is not a decimal number")
    try:
        root_bytes = base64.b64decode(root, validate=True)
    except binascii.Error:
        root_bytes = b""
    if len(root_bytes) != 32:
        raise InvalidInput(field, "the root hash is not 32 bytes of base64")
    seconds = next((x[5:] for x in lines[3:] if x.startswith("time ")), "")
    if not seconds.isdigit():
        raise InvalidInput(field, "the checkpoint has no `time <unix seconds>` line")
    time = datetime.fromtimestamp(int(seconds), UTC).replace(tzinfo=None)
    return Checkpoint(origin, int(size), root_bytes, time)
