"""Training's budget (linkage/engine.py): how many random pairs estimate the u probabilities."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reunify.linkage import engine


class _Training:
    """Splink's training calls, recorded rather than run."""

    def __init__(self) -> None:
        self.u_pairs: list[float] = []

    def estimate_probability_two_random_records_match(self, *_args, **_kwargs) -> None:
        """Nothing to record."""

    def estimate_u_using_random_sampling(self, max_pairs: float, **_kwargs) -> None:
        """Record the sample's size."""
        self.u_pairs.append(max_pairs)

    def estimate_parameters_using_expectation_maximisation(self, *_args, **_kwargs) -> None:
        """Nothing to record."""


def _records(n: int) -> list[dict]:
    return [{"a_number": None, "given_first": None, "surname_a": None, "birth_year": None}
            for _ in range(n)]


@pytest.mark.parametrize(("records", "pairs"), [
    (1_000, 100_000),
    (30_000, 150_000), (100_000, 500_000), (150_000, 750_000),
    (200_000, 1_000_000), (1_000_000, 1_000_000)])
def test_u_is_estimated_on_five_random_pairs_per_record_within_its_bounds(records, pairs):
    """The u sample is five pairs per record, never fewer than a hundred thousand (nor more
    than there are pairs) and never more than a million: at 100,000 records half a million
    pairs, the million reached from 200,000 records on."""
    training = _Training()
    engine._train(SimpleNamespace(training=training), _records(records), lambda _s: None)
    assert training.u_pairs == [pairs]


def test_u_is_never_sampled_on_more_pairs_than_the_records_hold():
    """With few records the sample is every pair they hold."""
    training = _Training()
    engine._train(SimpleNamespace(training=training), _records(50), lambda _s: None)
    assert training.u_pairs == [50 * 49 / 2]
