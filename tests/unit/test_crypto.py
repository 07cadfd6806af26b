"""The key hierarchy's pieces: pseudonyms, sealing, and the vault's rotation."""

from __future__ import annotations

import hashlib
import zlib
from importlib.resources import files
from pathlib import Path

import orjson
import pytest

from trustledger.domain.errors import InvalidInput
from trustledger.domain.personal_data import PLAIN_FIELDS, joined, split
from trustledger.domain.records import EventKind
from trustledger.store.crypto import (
    DEFLATED_1,
    MasterKey,
    Unreadable,
    new_key,
    open_json,
    open_sealed,
    pack,
    seal,
    seal_json,
    seal_pieces,
)
from trustledger.store.vault import Vault


def test_a_pseudonym_is_stable_per_master_key_and_reveals_nothing() -> None:
    one, other = MasterKey(b"\x01" * 32), MasterKey(b"\x02" * 32)
    number = "110101199003070016"
    assert one.pseudonym(number) == one.pseudonym(number)
    assert one.pseudonym(number) != other.pseudonym(number)
    assert number not in one.pseudonym(number)
    assert len(one.pseudonym(number)) == 32
    assert one.keyed_hash("court-a", "(2024)1") != one.keyed_hash("court-a", "(2024)2")


def test_a_master_key_is_parsed_or_refused_by_name() -> None:
    text = MasterKey.new_text()
    assert MasterKey.parse(text).pseudonym("x") == MasterKey.parse(text).pseudonym("x")
    with pytest.raises(InvalidInput) as caught:
        MasterKey.parse("not-a-key")
    assert caught.value.field == "TRUSTLEDGER_MASTER_KEY"


def test_sealed_data_opens_only_under_its_key_and_where_it_was_sealed() -> None:
    key = new_key()
    sealed = seal_json(key, {"case_ref": "(2024)粤0305执1234号"}, aad=b"p\x1frec_1")
    assert open_json(key, sealed, aad=b"p\x1frec_1") == {"case_ref": "(2024)粤0305执1234号"}
    assert "粤0305".encode() not in sealed
    with pytest.raises(Unreadable):
        open_json(key, sealed, aad=b"p\x1frec_2")  # moved to another record's row
    with pytest.raises(Unreadable):
        open_json(new_key(), sealed, aad=b"p\x1frec_1")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(Unreadable):
        open_json(key, tampered, aad=b"p\x1frec_1")


LETTER = {
    "facts": {
        "appeal_url": "/portal",
        "access_code": "XXXX-XXXX-XXXX-XXXX",
        "title": "在动车组列车上吸烟",
        "reason": "rail.smoking",
        "legal_basis": "NDRC and others, 发改财金〔2018〕384号 (rail), in force 1 May 2018",
        "scopes": ["rail"],
        "record_id": "rec_61e4669dff6cc01fb4f6816bc9f0350f",
        "case_ref": "(2024)粤0305执1234号",
        "source": "rail-bureau",
        "decided_on": "2026-10-02",
        "starts_on": "2026-12-11",
        "ends_on": "2027-06-08",
        "appeal_by": "2026-12-16",
        "titles": {"zh-Hans": "在动车组列车上吸烟", "en": "Smoking on a high-speed train"},
    },
    "kept": None,
    "access_code": "XYEA-CCLA-4ILY-W64A",
}


def test_a_sealed_value_is_deflated_with_the_dictionary_inside_the_ciphertext() -> None:
    key, aad = new_key(), b"p\x1frec_61e4669dff6cc01fb4f6816bc9f0350f"
    sealed = seal_json(key, LETTER, aad=aad)
    assert open_json(key, sealed, aad=aad) == LETTER
    plaintext = open_sealed(key, sealed, aad=aad)
    assert plaintext[0] == DEFLATED_1
    # nonce and tag (28 bytes) and less than half the JSON
    assert len(sealed) - 28 < len(orjson.dumps(LETTER)) / 2


def test_a_value_sealed_before_compression_still_opens() -> None:
    key, aad = new_key(), b"p\x1f"
    for value in ({"detail": "rec_1"}, LETTER, {}):
        old = seal(key, orjson.dumps(value), aad=aad)  # the format of 0010's rows
        assert open_json(key, old, aad=aad) == value


def test_a_value_that_does_not_compress_is_sealed_as_its_json() -> None:
    key = new_key()
    sealed = seal_json(key, {}, aad=b"")
    assert open_sealed(key, sealed, aad=b"") == b"{}"


def test_packing_deflates_to_the_bytes_of_the_strongest_settings() -> None:
    # pack's primed copy (small values) and smaller buffers are for speed only: they must give up
    # no bytes against level 9 with memLevel 9, small values, those either side of the primed
    # compressor's limit (2 kB) and large ones alike.
    shipped = files("trustledger.store").joinpath("dictionaries", "sealed-1.txt").read_bytes()
    large = orjson.dumps({"letters": [dict(LETTER, n=i) for i in range(200)]})
    small = [orjson.dumps(v) for v in (LETTER, {"detail": "rec_61e4669dff6cc01fb4f6816bc9f0350f"})]
    for plaintext in [*small, large[:2047], large[:2048], large[:2049], large[:6000], large]:
        strongest = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=shipped)
        expected = bytes([DEFLATED_1]) + strongest.compress(plaintext) + strongest.flush()
        assert pack(plaintext) == expected


def test_the_dictionary_of_sealed_values_is_frozen() -> None:
    # What was sealed with it inflates only with these bytes: a new dictionary is a new format byte.
    shipped = files("trustledger.store").joinpath("dictionaries", "sealed-1.txt").read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == (
        "d41318f2c09678c678e9c0d93fd889791852e4804c7aee2211d922782614ea1a"
    )


def test_the_vault_rotates_and_forgets_and_other_processes_see_it(tmp_path: Path) -> None:
    master = MasterKey(b"\x03" * 32)
    path = tmp_path / "test.vault"
    one = Vault(path, master)
    version, first = one.current("reg", "ab12")
    assert version == 1
    other = Vault(path, master)  # another process: reads the file
    assert other.kek("reg", "ab12", 1) == first
    made = one.rotate("reg", {"ab12"})
    assert made["ab12"][0] == 2
    assert other.kek("reg", "ab12", 2) == made["ab12"][1]  # a miss reloads the file
    one.forget("reg", {"ab12"})
    assert Vault(path, master).kek("reg", "ab12", 1) is None
    assert Vault(path, master).versions("reg", "ab12") == [2]
    assert b"ab12" not in one.file_of("reg").read_bytes()  # the file itself is sealed
    with pytest.raises(Unreadable):
        Vault(path, MasterKey(b"\x04" * 32)).kek("reg", "ab12", 2)


def test_a_replica_vault_changes_nothing(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "none.vault", MasterKey(b"\x05" * 32), create=False)
    with pytest.raises(Unreadable):
        vault.current("reg", "0000")
    assert not (tmp_path / "none.vault").exists()


def test_every_event_kind_says_what_of_it_is_personal() -> None:
    assert set(PLAIN_FIELDS) == set(EventKind)
    data = {
        "record_id": "rec_1",
        "type": "rail.x",
        "subject": "110",
        "case_ref": "c",
        "attributes": {},
    }
    plain, personal = split(EventKind.RECORDED, data)
    assert set(personal) == {"subject", "case_ref", "attributes"}
    assert joined(plain, personal) == data


def test_many_new_buckets_are_made_in_one_write_of_the_vault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = MasterKey(b"\x05" * 32)
    vault = Vault(tmp_path / "vault", master)
    known = vault.current("reg", "0000")
    writes: list[int] = []
    write = Vault._write
    monkeypatch.setattr(
        Vault, "_write", lambda self, reg, data: (writes.append(1), write(self, reg, data))
    )
    made = vault.current_many("reg", {"0000", "0001", "0002", "ffff"})
    assert len(writes) == 1
    assert made["0000"] == known
    other = Vault(tmp_path / "vault", master)  # another process sees them all
    assert {b: other.current("reg", b) for b in made} == made
    vault.current_many("reg", {"0001", "ffff"})
    assert len(writes) == 1  # nothing new: nothing written


def test_sealing_in_pieces_opens_as_the_pieces_joined() -> None:
    key = new_key()
    sealed = b"".join(seal_pieces(key, [b"ab", b"", b"cd" * 40_000], aad=b"here"))
    assert open_sealed(key, sealed, aad=b"here") == b"ab" + b"cd" * 40_000
    with pytest.raises(Unreadable):
        open_sealed(key, sealed, aad=b"elsewhere")
