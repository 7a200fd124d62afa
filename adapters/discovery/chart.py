"""The equity curve of each candidate's copy simulation as one PNG (matplotlib, as
``tape report --chart`` draws): realised PnL of the copy over time, one line per candidate."""

from __future__ import annotations

from pathlib import Path

from adapters.discovery.run import DiscoveryReport


def write_equity_chart(report: DiscoveryReport, path: Path, *, most: int = 10) -> None:
    """The copy simulation's realised PnL through time, the ranked candidates first."""
    # Imported here: matplotlib is slow to import and only this command draws.
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.dates import DateFormatter, date2num  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(10, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    drawn = 0
    for candidate in report.candidates[:most]:
        curve = candidate.simulation.curve
        if not curve:
            continue
        label = f"#{candidate.rank} " if candidate.rank else f"({candidate.reason}) "
        axes.step(
            date2num([at for at, _ in curve]),
            [float(pnl) for _, pnl in curve],
            where="post",
            label=label + (candidate.name or candidate.wallet[:10]),
            linewidth=2 if candidate.rank == 1 else 1,
        )
        drawn += 1
    axes.axhline(0, color="grey", linewidth=0.8)
    axes.set_title(f"Tape discover: what copying each candidate would have earned ({report.run})")
    axes.set_xlabel("time (UTC)")
    axes.set_ylabel("realised PnL of the copy (USDC)")
    axes.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    if drawn:
        axes.legend(loc="best", fontsize="small")
    else:
        axes.text(0.5, 0.5, "no copy filled", ha="center", transform=axes.transAxes)
    axes.grid(visible=True, alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(str(path), format="png")
