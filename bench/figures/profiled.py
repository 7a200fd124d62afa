"""A Tape figure run under pyinstrument; its result with the profile's summary
(:mod:`bench.profiling`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.figures.stores import Params
from bench.figures.tape_commands import intake, rebuild, replay

PROFILED: dict[str, Callable[[Params], dict[str, Any]]] = {
    "intake": intake,
    "replay": replay,
    "rebuild": rebuild,
}
"""The figures that can be profiled."""


def profile(params: Params) -> dict[str, Any]:
    """A figure run under pyinstrument; returns the profile's summary (see bench/profiling)."""
    from pyinstrument import Profiler  # noqa: PLC0415 - optional: bench/requirements.txt

    from bench.profiling import summarize, view  # noqa: PLC0415

    target = PROFILED[params["figure"]]
    profiler = Profiler(interval=0.001)
    profiler.start()
    result = target(params)
    session = profiler.stop()
    root = session.root_frame()
    summary = summarize(view(root)) if root is not None else {}
    if params.get("html"):
        Path(params["html"]).write_text(profiler.output_html(), encoding="utf-8")
    return {"profiled": params["figure"], "result": result, **summary}
