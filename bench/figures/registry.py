"""Every figure by name, and running one: ``python -m bench.figures NAME PARAMS_JSON`` prints
its result as one JSON line after :data:`bench.figures.RESULT_MARK`, with the process's peak
memory before and after the measured work."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from bench.figures import RESULT_MARK
from bench.figures.baselines import library_read, naive, raw_insert, raw_read
from bench.figures.commits import commit_probe
from bench.figures.latency import latency
from bench.figures.measure import peak_rss_mb
from bench.figures.profiled import profile
from bench.figures.scaleout import scaleout
from bench.figures.stores import Params
from bench.figures.tape_commands import intake, rebuild, recovery, replay

FIGURES: dict[str, Callable[[Params], dict[str, Any]]] = {
    "intake": intake,
    "latency": latency,
    "replay": replay,
    "rebuild": rebuild,
    "recovery": recovery,
    "naive": naive,
    "raw_insert": raw_insert,
    "raw_read": raw_read,
    "library_read": library_read,
    "commit_probe": commit_probe,
    "profile": profile,
    "scaleout": scaleout,
}


def main(argv: list[str]) -> int:
    """Run the figure ``argv[0]`` with the JSON parameters ``argv[1]``; print its result."""
    name, params = argv[0], json.loads(argv[1])
    start_rss = peak_rss_mb()
    result = FIGURES[name](params)
    result.update(start_rss_mb=start_rss, peak_rss_mb=peak_rss_mb())
    sys.stdout.write(RESULT_MARK + json.dumps(result, default=str) + "\n")
    return 0
