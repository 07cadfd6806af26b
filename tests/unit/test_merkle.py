"""RFC 9162 hashing and proofs against the RFC's own recursive definitions and CT's test vectors."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from trustledger.domain.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_ranges,
    fold,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    perfect_pieces,
    root_of,
    split_point,
    verify_consistency,
    verify_inclusion,
)

# Certificate Transparency's reference leaves and the roots of their first 1..8 (RFC 6962 = 9162
# hashing), as published with the reference implementations.
CT_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
             "5051525354555657", "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATH_0_OF_8 = [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]
CT_PATH_5_OF_8 = [
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
]


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def rfc_path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) exactly as RFC 9162 2.1.3.1 defines it."""
    if len(d) == 1:
        return []
    k = split_point(len(d))
    if m < k:
        return [*rfc_path(m, d[:k]), root_of(d[k:])]
    return [*rfc_path(m - k, d[k:]), root_of(d[:k])]


def rfc_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) exactly as RFC 9162 2.1.4.1 defines it."""
    if m == len(d):
        return [] if b else [root_of(d)]
    k = split_point(len(d))
    if m <= k:
        return [*rfc_subproof(m, d[:k], b), root_of(d[k:])]
    return [*rfc_subproof(m - k, d[k:], False), root_of(d[:k])]


def hashes_of(ranges: list[tuple[int, int]], d: list[bytes]) -> list[bytes]:
    return [root_of(d[lo:hi]) for lo, hi in ranges]


def test_roots_match_the_certificate_transparency_vectors() -> None:
    hashed = [leaf_hash(x) for x in CT_LEAVES]
    assert root_of([]) == EMPTY_ROOT
    for n in range(1, 9):
        assert root_of(hashed[:n]).hex() == CT_ROOTS[n - 1]
        tree = CompactRange()
        for h in hashed[:n]:
            tree.append(h)
        assert tree.root().hex() == CT_ROOTS[n - 1]


def test_inclusion_paths_match_the_certificate_transparency_vectors() -> None:
    hashed = [leaf_hash(x) for x in CT_LEAVES]
    for index, expected in ((0, CT_PATH_0_OF_8), (5, CT_PATH_5_OF_8)):
        path = hashes_of(inclusion_ranges(index, 8), hashed)
        assert [h.hex() for h in path] == expected
        assert verify_inclusion(hashed[index], index, 8, path, bytes.fromhex(CT_ROOTS[7]))


@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_proofs_are_the_rfc_path_and_verify(case: tuple[int, int]) -> None:
    n, m = case
    d = leaves(n)
    path = hashes_of(inclusion_ranges(m, n), d)
    assert path == rfc_path(m, d)
    root = root_of(d)
    assert verify_inclusion(d[m], m, n, path, root)
    assert not verify_inclusion(leaf_hash(b"other"), m, n, path, root)
    if path:
        bent = [*path[:-1], node_hash(path[-1], path[-1])]
        assert not verify_inclusion(d[m], m, n, bent, root)


@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_proofs_are_the_rfc_proof_and_verify(case: tuple[int, int]) -> None:
    m, n = case
    d = leaves(n)
    proof = hashes_of(consistency_ranges(m, n), d)
    assert proof == rfc_subproof(m, d, True)
    assert verify_consistency(m, n, root_of(d[:m]), root_of(d), proof)
    other = [*d[: m - 1], leaf_hash(b"rewritten"), *d[m:]]
    assert not verify_consistency(m, n, root_of(other[:m]), root_of(d), proof)
    if m < n:
        assert not verify_consistency(m, n, root_of(d[:m]), root_of(other), proof)


def test_consistency_from_the_empty_tree_and_to_itself() -> None:
    d = leaves(5)
    assert verify_consistency(0, 5, EMPTY_ROOT, root_of(d), [])
    assert verify_consistency(5, 5, root_of(d), root_of(d), [])
    assert not verify_consistency(5, 5, root_of(d), root_of(d[:4]), [])
    assert not verify_consistency(3, 5, root_of(d[:3]), root_of(d), [])


@given(st.integers(0, 300), st.integers(0, 300))
def test_perfect_pieces_tile_a_range_and_fold_to_its_hash(a: int, b: int) -> None:
    lo, hi = min(a, b), max(a, b)
    pieces = perfect_pieces(lo, hi)
    covered = [i for level, idx in pieces for i in range(idx << level, (idx + 1) << level)]
    assert covered == list(range(lo, hi))
    if lo == 0:
        d = leaves(hi)
        assert fold([root_of(d[i << lv : (i + 1) << lv]) for lv, i in pieces]) == root_of(d)


@given(st.integers(0, 130))
def test_a_compact_range_names_every_subtree_it_completes(n: int) -> None:
    d = leaves(n)
    tree = CompactRange()
    for h in d:
        for level, idx, node in tree.append(h):
            assert node == root_of(d[idx << level : (idx + 1) << level])
    assert tree.root() == root_of(d)
    again = CompactRange(n, tree.edge)
    assert again.root() == root_of(d)
