"""The signal latency figure: from a trader's fill to our order at the venue, per signal source.

One process (``python -m bench.signal_latency PARAMS_JSON``, :mod:`.figure`) runs a local
Polygon (a real EVM, :mod:`tests.fake_chain`) that mines a block every ``block_s`` seconds, a
fake Data API that shows each trade ``data_lag_s`` after its block, and three pipelines side by
side, each ``tape monitor``'s code into an engine of its own (paper venue, SQLite):

- the Data API monitor, polling every 5 s (the command's default);
- the chain source with the default confirmations (2) and its 1 s poll;
- the chain source with 0 confirmations (a copy within a block).

A followed wallet trades now and then; each fill's moment is when its block is mined. The figure
is the time from that moment to the engine's call of the venue's ``submit`` for the copy, p50 and
p99 per source. :func:`measure_signal` runs it from ``python -m bench``;
:func:`.report.signal_section` writes its section of ``results.md``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

from bench import REPO
from bench.figures import RESULT_MARK

if TYPE_CHECKING:
    from bench.harness import Bench
    from bench.options import Options

DEFAULTS = {"trades": 30, "block_s": 2.0, "data_lag_s": 60.0}
"""Trades measured, the block time (Polygon's ~2 s), the Data API's lag after the block: about
a minute ("the Polymarket API takes ~60-70 s to reflect a new trade", valory-xyz/trader PR
#779; the monitor's own docs say "about a minute late")."""


def signal_params(options: Options) -> dict[str, Any]:
    """The figure's parameters from ``python -m bench``'s options."""
    return {
        "trades": options.signal_trades,
        "data_lag_s": options.signal_data_lag,
        "block_s": options.signal_block,
    }


def measure_signal(bench: Bench, **overrides: Any) -> dict[str, Any]:
    """Run the figure in its own process; its result, or ``{"error": ...}``."""
    params = {**DEFAULTS, **overrides, "home": str(bench.options.work / "signal")}
    begun = time.perf_counter()
    bench.log(
        f"signal latency: {params['trades']} trades, block {params['block_s']} s, "
        f"Data API lag {params['data_lag_s']} s"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bench.signal_latency", json.dumps(params)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = round(time.perf_counter() - begun, 2)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            result: dict[str, Any] = json.loads(line[len(RESULT_MARK) :])
            result["wall_s"] = wall
            brief = ", ".join(
                f"{name} p50 {row['to_venue'].get('p50_ms')} ms"
                for name, row in result["sources"].items()
            )
            bench.log(f"signal latency: {brief} ({wall:.0f}s)")
            return result
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    error = " | ".join(tail) or f"exit code {proc.returncode}"
    bench.log(f"signal latency: FAILED: {error}")
    return {"error": error, "wall_s": wall}
