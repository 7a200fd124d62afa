"""The "Signal latency" section of ``results.md``: fill to venue, per signal source."""

from __future__ import annotations

from typing import Any

from bench.report.cells import failure_text, ran, table

_COLUMNS = ("p50_ms", "p90_ms", "p99_ms", "max_ms")


def signal_section(results: dict[str, Any]) -> list[str]:
    """From the trader's fill (its block mined) to our order at the venue, side by side."""
    figure = results.get("signal")
    if figure is None:
        return []
    lines = ["## Signal latency: the trader's fill to our order", ""]
    if not ran(figure):
        return [*lines, f"Signal latency: {failure_text(figure)}", ""]
    lines.append(
        f"{figure['trades']} trades of a followed wallet on a local chain (a real EVM, "
        f"`tests/fake_chain.py`) that mines a block every {figure['block_s']:g} s; each fill's "
        "moment is the mining of its block. The same trades reach three pipelines of `tape "
        "monitor`'s code, each into an engine of its own (paper venue, SQLite), in one run: the "
        f"Data API monitor polling every {figure['data_poll_s']:g} s a fake Data API that shows "
        f"each trade {figure['data_lag_s']:g} s after its block (the live API's lag is about a "
        f"minute), and the chain source polling the node every {figure['chain_poll_s']:g} s, "
        "with the default 2 confirmations and with none. Measured: fill to the paper venue's "
        "`submit` for the copy."
    )
    lines.append("")
    rows = [
        [name, f"{row['copied']}/{figure['trades']}",
         *(f"{row['to_venue'][key]:.0f}" for key in _COLUMNS)]
        for name, row in figure["sources"].items()
        if row["to_venue"].get("samples")
    ]  # fmt: skip
    lines += table(["source", "copied", "p50 ms", "p90 ms", "p99 ms", "max ms"], rows)
    lines += [
        "",
        "The chain source's latency is its confirmations times the block time plus half its "
        "poll, plus the engine; the Data API's is the API's lag plus half its poll. With 0 "
        "confirmations a copy reaches the venue within a block of the fill, at the risk of "
        'copying a trade a reorganisation then drops (see README, "The chain source").',
        "",
    ]
    return lines
