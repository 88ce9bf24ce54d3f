"""The cyclic garbage collector paused for a block that holds much of the store in memory."""

from __future__ import annotations

import gc

import pytest

from reunify.models.heap import collection_paused


def test_the_collector_is_off_in_the_block_and_on_again_after_even_on_an_error():
    """Inside the block the collector is off; after it, normal or raising, it is on again."""
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    seen = []

    def fail() -> None:
        with collection_paused():
            seen.append(gc.isenabled())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    assert seen == [False]
    assert gc.isenabled()


def test_a_nested_block_leaves_the_collector_as_the_outer_block_set_it():
    """A block inside another (or run while the collector is off anyway) does not turn the
    collector on when it ends: the outer block still runs without it."""
    with collection_paused():
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
