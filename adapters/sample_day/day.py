"""The whole sample day: :func:`iter_day` streams its ``tape.day/1`` lines in time order (books,
intents, the script's steps, three resolutions at the end), :func:`write_day` writes them to a
file. The same arguments always give the same lines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.sample_day.agents import CRASH_MARKET
from adapters.sample_day.ids import VENUE, market_id, token_id
from adapters.sample_day.markets import line
from adapters.sample_day.script import BAD, EXTRAS, schedule
from adapters.sample_day.trading import TradingDay
from engine.intent import format_utc

DEFAULT_START = datetime(2026, 1, 30, 14, 0, tzinfo=UTC)
MIN_MARKETS = 6


def iter_day(
    seed: int,
    *,
    intents: int = 200,
    markets: int = 24,
    start: datetime | None = None,
    bad_lines: bool = True,
) -> Iterator[str]:
    """Yield the JSONL lines (no newline) of a seeded sample ``tape.day/1`` day, ordered by at.

    ``intents`` counts distinct intents (redeliveries and bad lines come on top); with fewer
    than the script's steps (:data:`adapters.sample_day.script.SCRIPT`), steps share slots.
    ``markets`` is at least 6; ``bad_lines=False`` leaves out the two malformed lines and
    nothing else. Three markets resolve at the end. The same arguments always give the same
    lines.

    Every denial reason shows from about 25 intents on; on very long days tiered's profits
    may absorb the late crash, so ``stop_loss`` is certain only up to a few thousand.
    """
    if markets < MIN_MARKETS:
        raise ValueError(f"a sample day needs at least {MIN_MARKETS} markets, not {markets}")
    day = TradingDay(seed, markets, start or DEFAULT_START)
    rng, board, slots = day.rng, day.board, schedule(intents)
    for slot in range(intents):
        day.now += timedelta(seconds=rng.randint(1, 20))
        if rng.random() < 0.6:  # another market moves meanwhile
            other = board.markets[rng.randrange(markets)]
            board.step(other)
            yield from board.books(other, day.now)
        steps = slots.get(slot, [])
        for kind, arg in steps:
            lines = list(day.scripted(kind, arg))
            yield from lines if bad_lines or kind not in BAD else lines[:-1]
        if rng.random() < 0.01:  # a redelivery
            yield from day.scripted("duplicate", 0)
        if all(kind in EXTRAS for kind, _ in steps):
            yield from day.natural()
    end = format_utc(day.now + timedelta(minutes=30))
    for index in dict.fromkeys((CRASH_MARKET, markets - 1, markets - 2)):
        winner = token_id(index, 0 if board.markets[index].bid >= 50 else 1)
        yield line(
            {
                "type": "resolution",
                "at": end,
                "venue": VENUE,
                "market_id": market_id(index),
                "winning_token_id": winner,
            }
        )


def write_day(path: Path | str, seed: int, **kw: Any) -> int:
    """Write :func:`iter_day` (``kw`` are its keywords) to ``path``; returns the line count."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for text in iter_day(seed, **kw):
            out.write(text + "\n")
            count += 1
    return count
