"""Merkle tree hashing as RFC 9162 §2.1 defines it (the tree of Certificate Transparency).

Pure functions over 32-byte hashes: the tree head of a list of leaf hashes, the compact range
(``Frontier``) that lets a tree grow one leaf at a time, and inclusion and consistency proofs
with their verification. Nothing here knows about entries, databases or files.

The tree for n leaves is the left-balanced tree of RFC 9162: pairing nodes level by level from
the left and carrying a lone last node up unchanged yields exactly MTH(D[n]).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

_LEAF, _NODE = b"\x00", b"\x01"
_sha256 = hashlib.sha256

#: MTH({}) = SHA-256() — the head of the empty tree.
EMPTY_ROOT = _sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return _sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): an interior node."""
    return _sha256(_NODE + left + right).digest()


def _next_level(level: Sequence[bytes]) -> list[bytes]:
    sha = _sha256
    up = [sha(_NODE + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)]
    if len(level) % 2:
        up.append(level[-1])
    return up


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree head of the leaf hashes ``leaves`` (MTH of RFC 9162 §2.1.1)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def _largest_power_of_two_below(n: int) -> int:
    """k < n, k a power of two, k >= n/2 (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """A compact range [0, size): the roots of the perfect subtrees the tree's size decomposes into.

    At most log2(size) hashes; appending a leaf costs amortised one node hash, and ``root()``
    folds the subtrees right to left. It is how a tree head is computed while leaves stream by,
    without holding them all.
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != bin(size).count("1"):
            raise ValueError(f"a frontier of size {size} has {bin(size).count('1')} hashes")

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        h, s, hashes = leaf, self.size, self.hashes
        while s & 1:
            h = _sha256(_NODE + hashes.pop() + h).digest()
            s >>= 1
        hashes.append(h)
        self.size += 1

    def root(self) -> bytes:
        """The tree head of the leaves appended so far."""
        if not self.hashes:
            return EMPTY_ROOT
        h = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            h = _sha256(_NODE + left + h).digest()
        return h


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1: the audit path from leaf ``index`` to the head."""
    size = len(leaves) if size is None else size
    if not 0 <= index < size <= len(leaves):
        raise ValueError(f"no leaf {index} in a tree of size {size}")
    proof: list[bytes] = []
    level = list(leaves[:size])
    i = index
    while len(level) > 1:
        sibling = i ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        level = _next_level(level)
        i >>= 1
    return proof


def consistency_proof(
    leaves: Sequence[bytes], old_size: int, new_size: int | None = None
) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1."""
    new_size = len(leaves) if new_size is None else new_size
    if not 0 <= old_size <= new_size <= len(leaves):
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    return _subproof(leaves, old_size, 0, new_size, complete=True)


def _subproof(
    leaves: Sequence[bytes], m: int, start: int, end: int, *, complete: bool
) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if complete else [root(leaves[start:end])]
    k = _largest_power_of_two_below(n)
    if m <= k:
        return [*_subproof(leaves, m, start, start + k, complete=complete),
                root(leaves[start + k : end])]
    return [*_subproof(leaves, m - k, start + k, end, complete=False),
            root(leaves[start : start + k])]


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The head an inclusion proof leads to (RFC 9162 §2.1.3.2); raises ValueError if malformed."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    if len(leaf) != 32 or any(len(p) != 32 for p in proof):
        raise ValueError("hashes are 32 bytes")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ValueError("the proof is longer than the path")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("the proof is shorter than the path")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], head: bytes
) -> bool:
    """True when ``proof`` shows leaf hash ``leaf`` at ``index`` of the tree (size, head)."""
    try:
        return root_from_inclusion_proof(index, size, leaf, proof) == head
    except ValueError:
        return False


def verify_consistency(
    old_size: int, new_size: int, old_head: bytes, new_head: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows the tree (old_size, old_head) is a prefix of (new_size, new_head).

    RFC 9162 §2.1.4.2, step by step.
    """
    if not 0 <= old_size <= new_size:
        return False
    if any(len(p) != 32 for p in proof):
        return False
    if old_size == new_size:
        return not proof and old_head == new_head
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old head is the first node
        path.insert(0, old_head)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_head and sr == new_head
