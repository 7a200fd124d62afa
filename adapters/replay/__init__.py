"""Replay: re-running a recorded day to verify it, to try other rules, or to export it."""
