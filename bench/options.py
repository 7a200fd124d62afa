"""The command line of ``python -m bench`` (``make bench BENCH_ARGS=...``): what to run, and
where to write."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import BENCH
from bench.workload import (
    DEFAULT_SIZES,
    LARGE_SIZE,
    PROFILE_SIZE,
    SCALEOUT_WORKERS,
    SIZES,
    SPREAD_COPIES,
    Workload,
)

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DESCRIPTION = (
    "``make bench`` / ``python -m bench``: Tape's figures against baselines measured in the "
    "same run."
)
"""The first line of ``--help``."""


@dataclass(frozen=True)
class Options:
    """What to run, and where to write."""

    sizes: tuple[str, ...]
    postgres_sizes: tuple[str, ...]
    postgres_url: str | None
    naive_budget_s: float
    latency_rate: float
    latency_intents: int
    latency_warmup: int
    what_if: bool
    profile: bool
    profile_size: str
    out: Path
    work: Path
    keep: bool
    render_only: bool = False
    scaleout_workers: tuple[int, ...] = SCALEOUT_WORKERS
    spread_copies: int = SPREAD_COPIES
    signal_trades: int = 30  # the signal latency figure (bench/signal_latency); 0: skipped
    signal_data_lag: float = 60.0
    signal_block: float = 2.0


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Options from the command line (``make bench BENCH_ARGS="..."``)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=DESCRIPTION)
    parser.add_argument("--large", action="store_true", help=f"add the {LARGE_SIZE} workload")
    parser.add_argument(
        "--sizes",
        help=f"comma-separated workloads (of {', '.join(SIZES)}); "
        f"default {','.join(DEFAULT_SIZES)}",
    )
    parser.add_argument(
        "--postgres-sizes",
        help="workloads whose intake also runs on PostgreSQL (default: the smallest one)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TAPE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a server where a fresh schema is created and dropped (default %(default)s)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--naive-budget",
        type=float,
        default=15.0,
        help="seconds of saving after which the one-save-per-event baseline stops (its rate "
        "is then over the events saved so far; 0: no limit; default %(default)s)",
    )
    parser.add_argument("--latency-rate", type=float, default=10.0, help="intents per second")
    parser.add_argument("--latency-intents", type=int, default=300, help="intents measured")
    parser.add_argument("--latency-warmup", type=int, default=20, help="intents not measured")
    parser.add_argument(
        "--scaleout-workers",
        default=",".join(str(n) for n in SCALEOUT_WORKERS),
        help="numbers of `tape worker` processes the scale-out figure runs on PostgreSQL, on "
        "the smallest PostgreSQL workload (default %(default)s; 0: skip)",
    )
    parser.add_argument(
        "--spread-copies",
        type=int,
        default=SPREAD_COPIES,
        help="copies of each sample-day agent in the scale-out day (default %(default)s)",
    )
    parser.add_argument("--no-what-if", action="store_true", help="skip the what-if figures")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiles")
    parser.add_argument(
        "--profile-size",
        default=PROFILE_SIZE,
        help="the workload profiled (its own run under the profiler; default %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=BENCH, help="where results.* are written")
    parser.add_argument("--work", type=Path, default=BENCH / "work", help="scratch folder")
    parser.add_argument("--keep", action="store_true", help="keep the scratch stores")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: write results.md again from results.json (and bench/notes.md)",
    )
    parser.add_argument("--signal-trades", type=int, default=30, help="signal latency: trades")
    parser.add_argument("--signal-data-lag", type=float, default=60.0, help="Data API lag, s")
    parser.add_argument("--signal-block", type=float, default=2.0, help="block time, s")
    args = parser.parse_args(argv)
    sizes = _names(args.sizes) if args.sizes else DEFAULT_SIZES
    if args.large and LARGE_SIZE not in sizes:
        sizes = (*sizes, LARGE_SIZE)
    sizes = tuple(sorted(sizes, key=lambda name: SIZES[name]))
    pg_sizes = _names(args.postgres_sizes) if args.postgres_sizes else sizes[:1]
    Workload.named(args.profile_size)  # raises for an unknown name
    try:
        scaleout = tuple(int(n) for n in args.scaleout_workers.split(",") if n.strip())
    except ValueError:
        parser.error("--scaleout-workers takes numbers separated by commas, such as 1,2,4")
    if any(n < 0 for n in scaleout) or args.spread_copies < 1:
        parser.error("--scaleout-workers takes numbers >= 0, --spread-copies a number >= 1")
    return Options(
        sizes=sizes,
        postgres_sizes=tuple(s for s in pg_sizes if s in sizes),
        postgres_url=None if args.no_postgres else args.postgres_url,
        naive_budget_s=args.naive_budget,
        latency_rate=args.latency_rate,
        latency_intents=args.latency_intents,
        latency_warmup=args.latency_warmup,
        what_if=not args.no_what_if,
        profile=not args.no_profile,
        profile_size=args.profile_size,
        out=args.out,
        work=args.work,
        keep=args.keep,
        render_only=args.render_only,
        scaleout_workers=tuple(n for n in scaleout if n > 0),
        spread_copies=args.spread_copies,
        signal_trades=args.signal_trades,
        signal_data_lag=args.signal_data_lag,
        signal_block=args.signal_block,
    )


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    for name in names:
        Workload.named(name)  # raises for an unknown name
    return names
