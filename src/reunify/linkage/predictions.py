"""What a scoring run leaves behind: the scored pairs, the model, and the way back to the
backend's predictions for the few pairs a run explains (:class:`Model`).

No Splink here: :mod:`reunify.linkage.engine` fills a :class:`Model` from Splink's output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from reunify.linkage import comparisons
from reunify.linkage.edges import Edges


@dataclass
class Model:
    """A trained, applied model: the scored pairs, and the model as JSON.

    Per-comparison weights are read on demand (:meth:`comparisons`) from the predictions,
    which stay in the backend (DuckDB in-process, or Spark) until :meth:`close`.
    """

    edges: Edges
    model_json: str
    details: dict[tuple[int, int], tuple[float, list[dict]]] = field(default_factory=dict)
    #: The full predicted rows of the pairs of a table ``l``, ``r`` (``l < r``), as dicts.
    rows: Callable[[pa.Table], list[dict]] | None = None
    release: Callable[[], None] | None = None
    #: Candidate pairs, keys divided and parts still crowded (:func:`candidate_pairs`).
    blocking: dict[str, int] = field(default_factory=dict)
    #: CPU seconds (this process, every thread) of blocking, training and predict.
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    def comparisons(self, pairs: Sequence[tuple[int, int]]
                    ) -> dict[tuple[int, int], tuple[float, list[dict]]]:
        """``(match probability, per-comparison weights)`` of scored pairs."""
        if self.rows is not None and pairs:
            model = json.loads(self.model_json)
            labels, prior = comparisons.labels(model), comparisons.prior(model)
            wanted = pa.table({"l": pa.array([min(p) for p in pairs], pa.int64()),
                               "r": pa.array([max(p) for p in pairs], pa.int64())})
            for row in self.rows(wanted):
                i, j = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
                self.details[(i, j)] = (float(row["match_probability"]),
                                        comparisons.breakdown(row, labels, prior))
        return {p: self.details[p] for p in pairs if p in self.details}

    def close(self) -> None:
        """Let go of the backend's predictions."""
        if self.release is not None:
            self.release()
        self.rows = self.release = None
