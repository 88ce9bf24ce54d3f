"""Scored pairs as columns: a million records score tens of millions of candidate pairs.

As Python tuples, each pair ``(weight, i, j)`` costs about 150 bytes, and the pairs' weights
looked up by record (:class:`Neighbours`, for the support between two clusters and the rivals
of a bare record) as many again: 14 GB at a million records. Here a pair costs 16 bytes (a
float64 weight, two int32 indexes) and its two entries in :class:`Neighbours` 24, in numpy
arrays. Both still read as before: :class:`Edges` iterates ``(weight, i, j)`` tuples in the
order the pairs came, and :class:`Neighbours` gives a record's pairs as ``{other: weight}``
in that same order, so every sum over them is the same sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

#: Pairs turned into Python tuples at a time while iterating (a transient list, not all).
_CHUNK = 65536


class Edges(Sequence[tuple[float, int, int]]):
    """Scored pairs ``(weight, i, j)``, ``i < j`` record indexes, as three numpy columns."""

    def __init__(self, w: np.ndarray, i: np.ndarray, j: np.ndarray) -> None:
        self.w = np.ascontiguousarray(w, dtype=np.float64)
        self.i = np.ascontiguousarray(i, dtype=np.int32)
        self.j = np.ascontiguousarray(j, dtype=np.int32)

    @classmethod
    def of(cls, edges: Iterable[tuple[float, int, int]]) -> Edges:
        """``edges`` as columns (itself when it already is)."""
        if isinstance(edges, Edges):
            return edges
        listed = list(edges)
        if not listed:
            return cls(np.empty(0), np.empty(0), np.empty(0))
        w, i, j = zip(*listed, strict=True)
        return cls(np.array(w, dtype=np.float64), np.array(i), np.array(j))

    def with_weights(self, w: np.ndarray) -> Edges:
        """The same pairs with other weights (the columns of indexes are shared)."""
        out = Edges.__new__(Edges)
        out.w, out.i, out.j = np.ascontiguousarray(w, dtype=np.float64), self.i, self.j
        return out

    def __len__(self) -> int:
        return len(self.w)

    def __getitem__(self, n):  # type: ignore[override]
        if isinstance(n, slice):
            return list(zip(self.w[n].tolist(), self.i[n].tolist(), self.j[n].tolist(),
                            strict=True))
        return float(self.w[n]), int(self.i[n]), int(self.j[n])

    def __iter__(self) -> Iterator[tuple[float, int, int]]:
        for start in range(0, len(self.w), _CHUNK):
            end = start + _CHUNK
            yield from zip(self.w[start:end].tolist(), self.i[start:end].tolist(),
                           self.j[start:end].tolist(), strict=True)

    def strongest_first(self, accept: float) -> list[tuple[float, int, int]]:
        """The pairs weighing ``accept`` or more, heaviest first (ties by ``i``, then ``j``)."""
        keep = np.flatnonzero(self.w >= accept)
        w, i, j = self.w[keep], self.i[keep], self.j[keep]
        order = np.lexsort((j, i, -w))
        return list(zip(w[order].tolist(), i[order].tolist(), j[order].tolist(), strict=True))


class Neighbours(Mapping[int, dict[int, float]]):
    """Each record's scored pairs, ``{other record: weight}`` in the order of the pairs (as a
    dict of dicts filled pair by pair would hold them), kept as one sorted adjacency array."""

    def __init__(self, edges: Edges) -> None:
        n = len(edges)
        # Each pair twice, interleaved (i's entry, then j's): a stable sort by record keeps a
        # record's pairs in the order they came, with no key wider than the records' int32.
        ends = np.empty(2 * n, dtype=np.int32)
        ends[0::2], ends[1::2] = edges.i, edges.j
        others = np.empty(2 * n, dtype=np.int32)
        others[0::2], others[1::2] = edges.j, edges.i
        order = np.argsort(ends, kind="stable")
        self._others = others[order]
        self._w = np.repeat(edges.w, 2)[order]
        # Where each record's pairs start and end, as a Python list: looked up once per
        # member of a cluster at every merge considered, so no numpy scalar per lookup.
        counts = np.bincount(ends, minlength=0)
        self._ids = np.flatnonzero(counts)
        self._start = np.concatenate(([0], np.cumsum(counts))).tolist()

    def _span(self, i: int) -> tuple[int, int]:
        if not 0 <= i < len(self._start) - 1:
            return 0, 0
        return self._start[i], self._start[i + 1]

    def __getitem__(self, i: int) -> dict[int, float]:
        start, end = self._span(i)
        if start == end:
            raise KeyError(i)
        return dict(zip(self._others[start:end].tolist(), self._w[start:end].tolist(),
                        strict=True))

    def __contains__(self, i: object) -> bool:
        if not isinstance(i, int | np.integer):
            return False
        start, end = self._span(int(i))
        return end > start

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids.tolist())

    def __len__(self) -> int:
        return len(self._ids)

