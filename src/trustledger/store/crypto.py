"""The key hierarchy of crypto-shredding (docs/store.md, "Personal data and its keys").

    master key (outside the database: TRUSTLEDGER_MASTER_KEY or a key file)
      ├─ pseudonym key (HKDF): subjects in the append-only tables are HMAC pseudonyms
      ├─ vault key (HKDF): encrypts the vault file of key-encryption keys (store/vault.py)
      └─ key-encryption keys, one per registry and bucket of pseudonyms, in the vault file
           └─ data keys, one per subject and scope (the subject, or one of its records), wrapped
              in the database's `data_keys` table; they seal the personal data (AES-256-GCM)

Erasing destroys data keys (their rows); an old copy of the database still holds the wrapped
keys, so the erasure also rotates the key-encryption key of each bucket it touched and forgets
the old one: a backup taken before then no longer opens for anyone in those buckets.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import zlib
from collections.abc import Iterable, Iterator
from functools import cache
from importlib.resources import files
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from trustledger.domain.errors import InvalidInput, SealedDataAltered

KEY_BYTES = 32
NONCE_BYTES = 12
# A pseudonym is 128 bits of HMAC-SHA256 as hex: collision-free at any population, half the index.
PSEUDONYM_CHARS = 32
# Pseudonyms fall in 65,536 buckets by their first four hex digits; a bucket shares a key-encryption
# key, and an erasure rewraps its bucket: at 30 million keys, about 460 rows.
BUCKET_CHARS = 4


class Unreadable(SealedDataAltered):
    """Sealed data that does not open under its key (altered, or moved to another row), or a
    vault that does not open under the master key."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def new_keys(count: int) -> list[bytes]:
    """`count` keys from one read of the system's randomness (what generate_key reads, at once)."""
    fresh = os.urandom(KEY_BYTES * count)
    return [fresh[i : i + KEY_BYTES] for i in range(0, len(fresh), KEY_BYTES)]


def seal(key: bytes, plaintext: bytes, *, aad: bytes) -> bytes:
    """nonce || AES-256-GCM ciphertext and tag; `aad` binds it to where it is stored."""
    return seal_with(AESGCM(key), plaintext, aad=aad)


def seal_with(aead: AESGCM, plaintext: bytes, *, aad: bytes) -> bytes:
    """`seal` under a key already set up: a batch sealing many values with one key makes its
    AESGCM once."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, aad)


def seal_pieces(key: bytes, plaintext: Iterable[bytes], *, aad: bytes) -> Iterator[bytes]:
    """`seal` of the pieces joined, given piece by piece (nonce, ciphertext, tag: the same bytes,
    which `open_sealed` opens), so that sealing a large value holds no copy of all of it."""
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    yield nonce
    for piece in plaintext:
        yield encryptor.update(piece)
    yield encryptor.finalize() + encryptor.tag


def open_sealed(key: bytes, sealed: bytes, *, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as exc:
        raise Unreadable("sealed data does not open under its key") from exc


# A sealed JSON value's plaintext is its JSON (it starts with "{", or any byte a JSON text starts
# with), or a format byte and that JSON deflated with a preset dictionary of what sealed values
# hold (keys, the letters' facts, the default rulebook's titles): small values compress only with
# one. The byte is inside the ciphertext, so authenticated; values sealed before stay plain JSON
# and still open. A dictionary is frozen once shipped (tests pin its hash): a new one is a new byte.
DEFLATED_1 = 0x01
_DICTIONARIES = {DEFLATED_1: "sealed-1.txt"}


@cache
def _dictionary(version: int) -> bytes:
    return files("trustledger.store").joinpath("dictionaries", _DICTIONARIES[version]).read_bytes()


# Setting the dictionary is most of deflating a small value, so values of up to 2 kB deflate with a
# copy of a compressor the dictionary is already set in. Its 8 kB window still reaches all of the
# dictionary from any byte of such a value, and its small buffers (memLevel 6) copy quickly; larger
# values get a compressor of their own with the full window. Both give the bytes level 9 with
# memLevel 9 gives (measured with bench/pack.py, bench/RESULTS.md): any such output inflates.
_PRIMED_UP_TO = 2048


@cache
def _primed() -> Any:
    return zlib.compressobj(9, zlib.DEFLATED, -13, 6, zdict=_dictionary(DEFLATED_1))


def pack(plaintext: bytes) -> bytes:
    """What is sealed: the JSON deflated with the current dictionary, unless that is no shorter."""
    if len(plaintext) <= _PRIMED_UP_TO:
        deflate = _primed().copy()  # zlib's objects lock: safe from any thread
    else:
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 7, zdict=_dictionary(DEFLATED_1))
    packed = bytes([DEFLATED_1]) + deflate.compress(plaintext) + deflate.flush()
    return packed if len(packed) < len(plaintext) else plaintext


def unpack(packed: bytes) -> bytes:
    if not packed or packed[0] not in _DICTIONARIES:
        return packed  # JSON as sealed before values were compressed (or not worth compressing)
    inflate = zlib.decompressobj(-15, zdict=_dictionary(packed[0]))
    try:
        plaintext = inflate.decompress(packed[1:]) + inflate.flush()
    except zlib.error as exc:  # authenticated, so only a bug or a lost dictionary gets here
        raise Unreadable("sealed data does not inflate under its dictionary") from exc
    return plaintext


def seal_json(key: bytes, value: Any, *, aad: bytes) -> bytes:
    return seal_json_with(AESGCM(key), value, aad=aad)


def seal_json_with(aead: AESGCM, value: Any, *, aad: bytes) -> bytes:
    """`seal_json` under a key already set up (SqlDataKeys keeps one AESGCM a key)."""
    return seal_with(aead, pack(orjson.dumps(value)), aad=aad)


def open_json(key: bytes, sealed: bytes, *, aad: bytes) -> Any:
    return orjson.loads(unpack(open_sealed(key, sealed, aad=aad)))


def _derive(master: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
    ).derive(master)


class MasterKey:
    """The one secret outside the database; everything else is derived from it or wrapped."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError("a master key is 32 bytes")
        self._pseudonyms = _derive(raw, "trustledger pseudonym v1")
        self._hashes = _derive(raw, "trustledger keyed hash v1")
        self.vault_key = _derive(raw, "trustledger vault v1")

    @classmethod
    def parse(cls, text: str, *, field: str = "TRUSTLEDGER_MASTER_KEY") -> MasterKey:
        try:
            raw = base64.urlsafe_b64decode(text.strip().encode())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != KEY_BYTES:
            raise InvalidInput(field, "not a master key: 32 bytes in URL-safe base64 (44 chars)")
        return cls(raw)

    @staticmethod
    def new_text() -> str:
        return base64.urlsafe_b64encode(new_key()).decode()

    def pseudonym(self, subject: str) -> str:
        """Where a subject's rows are found in the append-only tables: not reversible without
        the master key, so a copy of the database alone cannot be searched by identity number."""
        # hmac.digest: the one-shot C path, the same bytes as hmac.new(...).digest().
        return hmac.digest(self._pseudonyms, subject.encode(), "sha256").hex()[:PSEUDONYM_CHARS]

    def keyed_hash(self, *parts: str) -> str:
        """An HMAC of low-entropy values (a case reference, a payload) that must be compared
        but not guessed: a plain hash of a case reference is confirmed by trying candidates."""
        message = "\x1f".join(parts).encode()
        return hmac.digest(self._hashes, message, "sha256").hex()


def bucket_of(pseudonym: str) -> str:
    return pseudonym[:BUCKET_CHARS]


def scope_aad(pseudonym: str, scope: str) -> bytes:
    return f"{pseudonym}\x1f{scope}".encode()


def hex_of(stored: bytes | str) -> str:
    """A stored chain hash as the chain hashes it: 32 bytes since 0012, hex text before.
    Likewise a keyed hash: bytes since 0010, text in an older revision."""
    return stored if isinstance(stored, str) else bytes(stored).hex()
