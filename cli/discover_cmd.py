"""``tape discover``: whom to follow, chosen on evidence; ``tape why <wallet>`` explains a
candidate's verdict from its recorded ``CandidateScored``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from adapters.bootstrap import build, live_clock, open_app
from adapters.discovery.cache import DiskCache
from adapters.discovery.chart import write_equity_chart
from adapters.discovery.client import CATEGORIES, WINDOWS, DiscoveryClient
from adapters.discovery.run import DiscoverOptions, discover
from adapters.discovery.simulate import SimulationRules
from adapters.polymarket_data.client import DataApiClient
from adapters.settings import Settings
from cli.context import claim_store, pass_settings
from cli.errors import TapeUsageError
from cli.render import table, to_json
from engine.config import AgentConfig
from engine.discovery.candidates import Candidate
from engine.discovery.screen import Thresholds
from engine.ids import candidate_uuid

COLUMNS = [
    "rank",
    "wallet",
    "name",
    "verdict",
    "copy_pnl",
    "win_rate",
    "markets",
    "trades",
    "fills_per_day",
    "avg_entry",
    "best_day_share",
    "profitable_weeks",
]


def _agent_config(settings: Settings, name: str | None) -> AgentConfig:
    if name is None:
        return AgentConfig(name="discovery-copy")
    for agent in settings.tape_config().agents:
        if agent.name == name:
            return agent
    raise TapeUsageError(f"no agent named {name!r} in the configuration")


@click.command()
@click.option(
    "--window",
    "windows",
    multiple=True,
    type=click.Choice(WINDOWS, case_sensitive=False),
    help="Leaderboard window (repeat for several; default WEEK and MONTH).",
)
@click.option(
    "--category",
    "categories",
    multiple=True,
    type=click.Choice(CATEGORIES, case_sensitive=False),
    help="Leaderboard category (repeat; default OVERALL).",
)
@click.option("--order-by", type=click.Choice(["PNL", "VOL"]), default="PNL", show_default=True)
@click.option("--per-board", type=click.IntRange(1, 1050), default=50, show_default=True)
@click.option("--candidates", "most", type=click.IntRange(1, 5000), default=50, show_default=True)
@click.option("--agent", "agent_name", default=None, help="Simulate with this agent's sizing.")
@click.option("--delay", "delay_s", type=click.IntRange(0, 3600), default=30, show_default=True)
@click.option("--slippage", "slippage_pct", default="0.5", show_default=True, help="Percent.")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
@click.option("--cache-ttl", type=click.IntRange(0, 10**7), default=3600, show_default=True)
@click.option("--chart", type=click.Path(path_type=Path), default=None, help="Equity PNG.")
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def discover_command(  # noqa: PLR0917 - click passes each option positionally
    settings: Settings,
    windows: tuple[str, ...],
    categories: tuple[str, ...],
    order_by: str,
    per_board: int,
    most: int,
    agent_name: str | None,
    delay_s: int,
    slippage_pct: str,
    days: int,
    cache_ttl: int,
    chart: Path | None,
    as_json: bool,
) -> None:
    """Rank leaderboard wallets by what copying them would have earned; filter what cannot be
    copied (market makers, near-certain buyers, wash trading, one-trade luck, too little
    history), each with its reason. Every verdict is recorded: tape why <wallet>."""
    try:
        slippage = Decimal(slippage_pct)
    except ArithmeticError:
        raise TapeUsageError("--slippage must be a number of percent such as 0.5") from None
    if not slippage.is_finite() or not 0 <= slippage <= 50:
        raise TapeUsageError("--slippage must be a number of percent from 0 to 50")
    config = _agent_config(settings, agent_name)
    claim_store(settings, "tape discover")
    tape = build(settings, settings.tape_config(), clock=live_clock())
    client = DiscoveryClient(
        DataApiClient(settings.monitor.data_url),
        cache=DiskCache(Path(settings.home) / "discovery-cache", ttl_s=cache_ttl),
    )
    report = discover(
        client,
        tape.engine,
        options=DiscoverOptions(
            windows=tuple(w.upper() for w in windows) or ("WEEK", "MONTH"),
            categories=tuple(c.upper() for c in categories) or ("OVERALL",),
            order_by=order_by,
            per_board=per_board,
            most_candidates=most,
        ),
        config=config,
        thresholds=Thresholds(),
        rules=SimulationRules(delay_s=delay_s, slippage_pct=slippage, days=days),
        now=datetime.now(UTC),
    )
    if chart is not None:
        write_equity_chart(report, chart)
    if as_json:
        click.echo(
            to_json(
                {
                    "run": report.run,
                    "requests": report.requests,
                    "candidates": [
                        {**c.row(), "checks": c.checks, "simulation": c.explained}
                        for c in report.candidates
                    ],
                }
            )
        )
        return
    click.echo(table([c.row() for c in report.candidates], COLUMNS))
    click.echo(f"{report.run}: {len(report.candidates)} candidates, {report.requests} requests")
    if report.candidates and report.candidates[0].rank == 1:
        click.echo(f"explain: tape why {report.candidates[0].wallet}")


def explain_candidate(settings: Settings, ident: str, *, as_json: bool) -> bool:
    """Print a wallet's last discovery verdict; False when discovery never scored it."""
    wallet = ident.strip().lower()
    if not (wallet.startswith("0x") and len(wallet) == 42):
        return False
    app, _ = open_app(settings)
    candidate: Candidate | None = app.get_or_none(candidate_uuid(wallet))
    if candidate is None:
        return False
    scored = [
        e
        for e in app.repository.event_store.get(candidate.id)
        if isinstance(e, Candidate.CandidateScored)
    ]
    if not scored:
        return False
    last = scored[-1]
    if as_json:
        data = {k: v for k, v in vars(last).items() if k != "originator_topic"}
        click.echo(to_json(data))
        return True
    click.echo(_explain(last))
    return True


def _explain(event: Any) -> str:
    sim = event.simulation
    verdict = f"rank {event.rank}" if event.rank else f"filtered: {event.reason}"
    lines = [
        f"candidate {event.wallet} ({event.run}, {event.timestamp.isoformat()}): {verdict}",
        "  boards: "
        + "; ".join(
            f"{b['window']} {b['category']} #{b['rank']} pnl {b['pnl']}" for b in event.board
        ),
        "  filters:",
    ]
    for item in event.checks:
        mark = "ok  " if item["passed"] else "FAIL"
        values = ", ".join(f"{k}={v}" for k, v in item["values"].items())
        lines.append(f"    {mark} {item['name']}: {item['detail']}  [{values}]")
    rules = sim.get("rules", {})
    lines += [
        f"  copy simulation: {sim.get('copy_pnl')} USDC = realised {sim.get('realised_pnl')} "
        f"+ marked {sim.get('marked_pnl')} (fees {sim.get('fees')})",
        f"    {sim.get('trades_replayed')} trades since {sim.get('since')} replayed as copies, "
        f"{sim.get('copies_accepted')} placed, denied {sim.get('copies_denied')}",
        f"    sizing {sim.get('sizing')}, delay {rules.get('delay_s')}s, slippage "
        f"{rules.get('slippage_pct')}% against the trade's price, fee rate {rules.get('fee_rate')}",
        f"    {sim.get('filled_volume_usdc')} USDC filled, {sim.get('markets_settled')} markets "
        "settled at their resolution, the rest marked at the last book",
        "  ranked by the copy simulation among the candidates that passed every filter",
        "  metrics: " + ", ".join(f"{k}={v}" for k, v in event.metrics.items()),
    ]
    return "\n".join(lines)
