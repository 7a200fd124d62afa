"""The cells and tables of the Markdown report: ratios, counts, memory, failures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeGuard


def ran(figure: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    """Whether a figure ran (and did not fail)."""
    return bool(figure) and "error" not in (figure or {})


def times(value: float) -> str:
    """A ratio: 2 significant digits below 10, whole above."""
    if value >= 10:
        return f"{value:,.0f}x"
    if value >= 0.1:
        return f"{value:.2f}x"
    return f"{value:.2g}x"


def amount(value: float | None) -> str:
    """A count or rate with thousands separators."""
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    """A Markdown table's lines."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def rss_text(figure: dict[str, Any] | None) -> str:
    """A figure's peak RSS in MB, or n/a."""
    return f"{figure['peak_rss_mb']:.0f}" if ran(figure) else "n/a"


def failure_text(figure: dict[str, Any] | None) -> str:
    """Why a figure has no result: not run, or how it failed."""
    if not figure:
        return "not run"
    return f"failed: {figure.get('error', '?')}"
