"""Followers' restart pauses: doubling to a ceiling, short again once work went through."""

from eventlog.backoff import Backoff


def test_pauses_double_to_the_ceiling_and_start_short_after_a_reset() -> None:
    backoff = Backoff(first=0.5, longest=3.0)
    assert [backoff.pause() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.pause() == 0.5
