"""Sealed-value packing: `crypto.pack` against the deflate settings values were first sealed
with (level 9, memLevel 9), over the values a bulk import seals, in the same run.

    python bench/pack.py [--records N] [--rounds N]

It imports N generated records (bench/intake.py's) into a temporary SQLite database, keeping
every plaintext the import packed, then packs them all with each in turn, `--rounds` times
interleaved, and takes each one's fastest round. The last line printed is JSON with
`cpu_ratio` (pack's CPU over the baseline's; goal < 1) and `bytes_ratio` (pack's bytes over the
baseline's; goal <= 1.02).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake import generate, timed_import

from trustledger.store import crypto


def sealed_values(records: int) -> list[bytes]:
    """The plaintexts an import of `records` generated records packs."""
    seen: list[bytes] = []
    pack = crypto.pack

    def keep(plaintext: bytes) -> bytes:
        seen.append(plaintext)
        return pack(plaintext)

    crypto.pack = keep
    try:
        with tempfile.TemporaryDirectory(prefix="trustledger-bench-") as tmp:
            path = Path(tmp) / "records.jsonl"
            generate(path, records, date.today())
            timed_import(f"sqlite:///{Path(tmp) / 'import.db'}", path, 5000)
    finally:
        crypto.pack = pack
    return seen


def baseline(plaintext: bytes) -> bytes:
    """pack as it was: level 9, memLevel 9."""
    dictionary = crypto._dictionary(crypto.DEFLATED_1)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=dictionary)
    packed = bytes([crypto.DEFLATED_1]) + deflate.compress(plaintext) + deflate.flush()
    return packed if len(packed) < len(plaintext) else plaintext


def timed(pack: Callable[[bytes], bytes], values: list[bytes]) -> tuple[float, int]:
    cpu = time.process_time()
    size = sum(len(pack(v)) for v in values)
    return time.process_time() - cpu, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    values = sealed_values(args.records)
    for v in values:  # the same bytes out of inflate, whichever packed them
        assert crypto.unpack(crypto.pack(v)) == v
    best = {"baseline": float("inf"), "pack": float("inf")}
    sizes = {}
    for _ in range(args.rounds):
        for name, pack in (("baseline", baseline), ("pack", crypto.pack)):
            cpu, sizes[name] = timed(pack, values)
            best[name] = min(best[name], cpu)
    n = len(values)
    print(f"{n:,} values packed, {sum(map(len, values)) / n:.0f} bytes of JSON each on average")
    for name in best:
        print(f"{name}: {best[name] / n * 1e6:.1f} us a value, {sizes[name] / n:.1f} bytes")
    result = {
        "values": n,
        "baseline_us": round(best["baseline"] / n * 1e6, 1),
        "pack_us": round(best["pack"] / n * 1e6, 1),
        "cpu_ratio": round(best["pack"] / best["baseline"], 3),
        "bytes_ratio": round(sizes["pack"] / sizes["baseline"], 4),
    }
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
