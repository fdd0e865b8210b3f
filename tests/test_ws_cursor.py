"""`SeqCursor`: live messages in any order reach a connection once each and in order, gaps filled."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from seabridge.messaging.hub import SeqCursor, Step


def test_advance_delivers_the_next_drops_repeats_and_asks_to_fill_gaps() -> None:
    cursor = SeqCursor()
    assert cursor.advance(7, 1) is Step.NOT_SUBSCRIBED
    cursor.start(7, 3)
    assert cursor.advance(7, 3) is Step.DROP
    assert cursor.advance(7, 4) is Step.DELIVER
    assert cursor.last(7) == 4
    assert cursor.advance(7, 4) is Step.DROP
    assert cursor.advance(7, 6) is Step.FILL
    assert cursor.last(7) == 4  # a gap does not move the cursor: the fill does
    cursor.stop(7)
    assert cursor.advance(7, 5) is Step.NOT_SUBSCRIBED


@given(st.lists(st.integers(min_value=1, max_value=30), max_size=80))
def test_any_arrival_order_delivers_each_seq_once_in_order(arrivals: list[int]) -> None:
    """Arrivals (repeated, reordered, lost) plus fills from "storage" give 1..max exactly once, in order."""
    cursor = SeqCursor()
    cursor.start(1, 0)
    delivered: list[int] = []
    for seq in arrivals:
        step = cursor.advance(1, seq)
        if step is Step.DELIVER:
            delivered.append(seq)
        elif step is Step.FILL:  # what `Peer._fill` does: everything stored after the cursor, up to seq
            delivered.extend(range(cursor.last(1) + 1, seq + 1))
            cursor.moved_to(1, seq)
    assert delivered == list(range(1, max(arrivals, default=0) + 1))
