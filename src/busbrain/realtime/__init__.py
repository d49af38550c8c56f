"""The brain's live half: match each bus to its trip, detect stop arrivals, predict.

Per-vehicle logic is pure (`(state, fix, now) -> (state, outputs)`, the clock passed in);
one runner is the single writer of live state and publishes immutable snapshots.
"""
