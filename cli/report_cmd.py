"""``tape report``: a day's PnL per agent and per copied trader, denials by reason, slippage
paid, as tables, and a PNG chart of the cumulative PnL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import click

from cli.errors import TapeUsageError
from cli.projections_cmd import open_upstreams, workers_option
from cli.render import money, table, to_json
from projections import queries
from projections.report import DayReport, EmptyLogError


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise TapeUsageError(f"--day wants a date such as 2026-01-30, not {value!r}") from None


def render_report(report: DayReport) -> str:
    """The report as text: a summary line, then one table per section."""
    lines = [
        f"Tape report for {report.day.isoformat()} (UTC): {report.events} events, "
        f"PnL {money(report.total_pnl)} USDC, slippage paid {money(report.slippage)} USDC",
        "",
        "PnL per agent (USDC; day PnL = realised + change of marked PnL)",
        table(
            report.agents,
            ["agent", "realised", "marked", "day_pnl", "fills", "volume", "fees", "slippage"],
        ),
        "",
        "PnL per strategy (USDC; the agents of each strategy summed; copy agents under copy)",
        table(
            report.strategies,
            ["strategy", "agents", "realised", "marked", "day_pnl", "fills", "volume", "fees"],
        ),
        "",
        "PnL per source trader (by the lots each copied trade bought)",
        table(report.traders, ["agent", "trader", "realised", "marked", "day_pnl"]),
        "",
        "Denials by reason",
        table(
            [
                {**d, "agents": ", ".join(f"{a} {n}" for a, n in d["agents"].items())}
                for d in report.denials
            ],
            ["reason", "count", "agents"],
        ),
    ]
    return "\n".join(lines)


def write_chart(report: DayReport, path: Path) -> None:
    """A PNG of each agent's cumulative PnL through the day (and their sum)."""
    # Imported here: matplotlib is slow to import and only this command draws.
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.dates import DateFormatter, date2num  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(10, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    starts = [points[0][0] for points in report.curve.values() if points]
    ends = [points[-1][0] for points in report.curve.values() if points]
    # The lines go on a little past the last change, so every final value shows.
    span = max(ends, default=report.start) - min(starts, default=report.start)
    last = max(ends, default=report.start) + max(span / 40, timedelta(minutes=1))
    moments: set[datetime] = {last}
    for agent in sorted(report.curve):
        points = [*report.curve[agent], (last, report.curve[agent][-1][1])]
        axes.step(
            date2num([at for at, _ in points]),
            [float(pnl) for _, pnl in points],
            where="post",
            label=agent,
        )
        moments.update(at for at, _ in points)
    if len(report.curve) > 1:
        times = sorted(moments)
        summed = [
            float(sum((_value_at(points, at) for points in report.curve.values()), Decimal(0)))
            for at in times
        ]
        axes.step(
            date2num(times), summed, where="post", label="all agents", color="black", linewidth=2
        )
    axes.axhline(0, color="grey", linewidth=0.8)
    axes.set_title(f"Tape: cumulative PnL on {report.day.isoformat()} (UTC)")
    axes.set_xlabel("time (UTC)")
    axes.set_ylabel("PnL (USDC)")
    axes.xaxis.set_major_formatter(DateFormatter("%H:%M"))
    if report.curve:
        axes.legend(loc="best")
    else:
        axes.text(0.5, 0.5, "no PnL on this day", ha="center", transform=axes.transAxes)
    axes.grid(visible=True, alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(str(path), format="png")


def _value_at(points: list[tuple[datetime, Decimal]], at: datetime) -> Decimal:
    value = Decimal(0)
    for moment, pnl in points:
        if moment > at:
            break
        value = pnl
    return value


@click.command()
@click.option("--day", "day_text", default=None, help="The UTC day (default: the last event's).")
@click.option(
    "--chart",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also draw the cumulative PnL as a PNG here.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
@workers_option
def report(day_text: str | None, chart: Path | None, as_json: bool, workers: int | None) -> None:
    """A day's PnL per agent and per source trader, denials by reason and slippage paid
    (over the logs of the engine's workers with --workers)."""
    apps, _ = open_upstreams(workers)
    try:
        result = queries.report(apps, _day(day_text))
    except EmptyLogError as error:
        raise TapeUsageError(str(error)) from None
    click.echo(to_json(result.to_json()) if as_json else render_report(result))
    if chart is not None:
        write_chart(result, chart)
        if not as_json:
            click.echo(f"\nchart: {chart}")
