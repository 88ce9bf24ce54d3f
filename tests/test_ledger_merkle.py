"""RFC 9162 Merkle tree hashing, proofs and signed checkpoints, against published test vectors.

The vectors are those of transparency-dev/merkle (proof/verify_test.go), which carry over the
RFC 6962 reference tests of Certificate Transparency: eight leaves, the roots of every prefix,
and known inclusion and consistency proofs.
"""

from __future__ import annotations

import base64
import json

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from reunify.rules import ledger as formats
from reunify.rules import merkle

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
# (leaf index, tree size, proof); the Go file counts leaves from 1.
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
HASHES = [merkle.leaf_hash(d) for d in LEAVES]


def test_roots_of_every_prefix_match_the_vectors():
    """MTH of the first n reference leaves is the published root, by both root() and Frontier."""
    frontier = merkle.Frontier()
    for n in range(1, 9):
        assert merkle.root(HASHES[:n]) == ROOTS[n - 1]
        frontier.append(HASHES[n - 1])
        assert frontier.root() == ROOTS[n - 1]
    assert merkle.root([]) == merkle.EMPTY_ROOT == merkle.Frontier().root()


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_and_verify(index, size, proof):
    """Generated audit paths equal the vectors, verify, and fail once any part is wrong."""
    expected = [bytes.fromhex(h) for h in proof]
    assert merkle.inclusion_proof(HASHES, index, size) == expected
    leaf, head = HASHES[index], ROOTS[size - 1]
    assert merkle.verify_inclusion(index, size, leaf, expected, head)
    assert not merkle.verify_inclusion(index ^ 1, size, leaf, expected, head)
    assert not merkle.verify_inclusion(index, size * 2, leaf, expected, head)
    assert not merkle.verify_inclusion(index, size, leaf, expected, merkle.EMPTY_ROOT)
    assert not merkle.verify_inclusion(index, size, leaf, [*expected, head], head)
    assert not merkle.verify_inclusion(index, size, leaf, expected[:-1], head)
    for i in range(len(expected)):
        broken = list(expected)
        broken[i] = bytes([broken[i][0] ^ 8]) + broken[i][1:]
        assert not merkle.verify_inclusion(index, size, leaf, broken, head)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_and_verify(old, new, proof):
    """Generated consistency proofs equal the vectors, verify, and fail when tampered with."""
    expected = [bytes.fromhex(h) for h in proof]
    assert merkle.consistency_proof(HASHES, old, new) == expected
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    assert merkle.verify_consistency(old, new, r1, r2, expected)
    assert not merkle.verify_consistency(old, new, r2, r1, expected)
    assert not merkle.verify_consistency(old + 1, new, r1, r2, expected)
    assert not merkle.verify_consistency(old, new, r1, r2, [])
    assert not merkle.verify_consistency(old, new, r1, r2, [*expected, r1])
    for i in range(len(expected)):
        broken = list(expected)
        broken[i] = bytes([broken[i][0] ^ 16]) + broken[i][1:]
        assert not merkle.verify_consistency(old, new, r1, r2, broken)


def test_every_proof_of_small_trees_round_trips():
    """For all trees up to 33 leaves, every inclusion and consistency proof verifies."""
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(33)]
    for size in range(1, 34):
        head = merkle.root(leaves[:size])
        for index in range(size):
            proof = merkle.inclusion_proof(leaves, index, size)
            assert merkle.verify_inclusion(index, size, leaves[index], proof, head)
        for old in range(0, size + 1):
            proof = merkle.consistency_proof(leaves, old, size)
            assert merkle.verify_consistency(old, size, merkle.root(leaves[:old]), head, proof)
            if 0 < old < size:
                other = merkle.root([*leaves[: old - 1], merkle.leaf_hash(b"x")])
                assert not merkle.verify_consistency(old, size, other, head, proof)


def test_frontier_survives_a_round_trip_through_storage():
    """A Frontier rebuilt from its size and hashes continues to the same heads."""
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(40)]
    first = merkle.Frontier()
    for h in leaves[:23]:
        first.append(h)
    second = merkle.Frontier(first.size, first.hashes)
    for h in leaves[23:]:
        second.append(h)
    assert second.root() == merkle.root(leaves)
    with pytest.raises(ValueError):
        merkle.Frontier(5, first.hashes[:1])


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), _json, max_size=6))
def test_the_fast_canonical_encoding_is_rfc8785(value):
    """canonical() produces exactly rfc8785's bytes, whatever the keys and strings."""
    assert formats.canonical(value) == rfc8785.dumps(value)


@given(st.dictionaries(st.text(), _json, max_size=6))
def test_the_fast_canonical_check_agrees_with_rfc8785(value):
    """parse_body calls a body canonical exactly when it is RFC 8785's encoding of its value."""
    body = rfc8785.dumps(value)
    parsed, canonical = formats.parse_body(body)
    assert parsed == value
    assert canonical
    loose = json.dumps(value, ensure_ascii=True, indent=1).encode()
    assert formats.parse_body(loose)[1] == (loose == body)


def test_non_canonical_numbers_are_caught():
    """Fractions and integers beyond 2^53 are judged by rfc8785 itself."""
    assert not formats.parse_body(b'{"a":1.0}')[1]
    assert formats.parse_body(b'{"a":1.5}')[1]
    assert not formats.parse_body(b'{"a":9007199254740993}')[1]
    with pytest.raises(ValueError):
        formats.parse_body(b"[1]")


def test_signed_checkpoints_open_only_with_their_key_and_text():
    """A checkpoint opens with its key; another key, an edited size or root, no signature fail."""
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    note = formats.sign_checkpoint(key, 8, ROOTS[7])
    head = formats.open_checkpoint(note, key.public_key())
    assert (head.size, head.root) == (8, ROOTS[7])
    with pytest.raises(formats.CheckpointError):
        formats.open_checkpoint(note, other.public_key())
    lines = note.split("\n")
    for edited in (
        "\n".join([lines[0], "9", *lines[2:]]),
        "\n".join([*lines[:2], formats.checkpoint_text("x", 0, ROOTS[6]).split("\n")[2],
                   *lines[3:]]),
        note.split("\n\n")[0] + "\n\n",
    ):
        with pytest.raises(formats.CheckpointError):
            formats.open_checkpoint(edited, key.public_key())
    forged = formats.sign_checkpoint(other, 8, ROOTS[7])
    with pytest.raises(formats.CheckpointError):
        formats.open_checkpoint(forged, key.public_key())


def test_verifier_key_is_a_signed_note_key():
    """The verifier key names the log, carries the 4-byte key id and the 0x01-prefixed key."""
    key = Ed25519PrivateKey.generate().public_key()
    name, key_id, blob = formats.verifier_key(key).split("+", 2)  # base64 may hold "+"
    assert name == formats.log_origin(key)
    assert bytes.fromhex(key_id) == formats.key_id(name, key)
    assert base64.b64decode(blob) == b"\x01" + formats.public_key_bytes(key)
    assert name.startswith("reunify.ledger/")
