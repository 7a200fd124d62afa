"""The signal latency figure on a few trades: every source copies every trade, the latencies
order as the sources' rules say, and the report shows them side by side."""

from __future__ import annotations

from pathlib import Path

from bench.harness import Bench
from bench.options import parse_args
from bench.signal_latency import measure_signal, signal_params
from bench.signal_latency.report import signal_section

SOURCES = ("chain, 0 confirmations", "chain, 2 confirmations", "data-api")


def test_each_source_copies_every_trade_and_the_report_puts_them_side_by_side(
    tmp_path: Path,
) -> None:
    options = parse_args(
        ["--signal-trades=4", "--signal-data-lag=6", "--signal-block=0.4", f"--work={tmp_path}"]
    )
    result = measure_signal(Bench(options), **signal_params(options))
    assert "error" not in result, result
    assert result["trades"] == 4
    assert tuple(result["sources"]) == SOURCES
    for row in result["sources"].values():
        assert row["copied"] == 4
        assert row["to_venue"]["samples"] == 4
    p50 = {name: row["to_venue"]["p50_ms"] for name, row in result["sources"].items()}
    # 2 confirmations are 2 blocks (0.8 s) after the fill at least; the Data API shows the
    # trade 6 s after it
    assert p50["chain, 2 confirmations"] >= 800
    assert p50["data-api"] >= 6000
    assert p50["chain, 0 confirmations"] < p50["chain, 2 confirmations"] < p50["data-api"]
    text = "\n".join(signal_section({"signal": result}))
    assert "## Signal latency" in text
    for name in SOURCES:
        assert f"| {name} | 4/4 |" in text
    assert signal_section({}) == []
    assert "failed" in "\n".join(signal_section({"signal": {"error": "boom"}})).lower()
