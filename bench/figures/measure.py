"""Arithmetic of a figure's result: peak memory, rates, percentiles and latency statistics."""

from __future__ import annotations

import math
import resource
import statistics


def peak_rss_mb() -> float:
    """The peak resident set of this process so far, in MB."""
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kilobytes / 1024, 1)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile ``p`` (0-100] of ``values``."""
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def latency_stats(seconds: list[float]) -> dict[str, float | int]:
    """p50, p90, p99, max and mean of latencies, in milliseconds."""
    if not seconds:
        return {"samples": 0}
    ms = [s * 1000 for s in seconds]
    return {
        "samples": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def rate(count: float, seconds: float) -> float:
    """``count`` per second, rounded for the report."""
    return round(count / seconds, 1) if seconds > 0 else 0.0
