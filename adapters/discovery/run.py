"""One discovery run: candidates from the leaderboards, each one's history, metrics, filters
and copy simulation, then one engine command that ranks and records them all
(``RecordDiscovery`` -> ``Candidate.CandidateScored``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.discovery.client import DiscoveryClient
from adapters.discovery.parse import build_history
from adapters.discovery.simulate import SimulationResult, SimulationRules, simulate
from engine.commands import RecordDiscovery
from engine.config import AgentConfig
from engine.discovery.candidates import ScoredCandidate
from engine.discovery.metrics import Metrics, compute_metrics
from engine.discovery.screen import Thresholds, first_failed, screen
from engine.service import TradingEngine


@dataclass(frozen=True)
class DiscoverOptions:
    """Which boards to read and how much of each wallet."""

    windows: tuple[str, ...] = ("WEEK", "MONTH")
    categories: tuple[str, ...] = ("OVERALL",)
    order_by: str = "PNL"
    per_board: int = 50
    most_candidates: int = 50
    history_rows: int = 2000


@dataclass
class CandidateReport:
    """One candidate as the run left it."""

    wallet: str
    name: str
    metrics: Metrics
    checks: list[dict[str, Any]]
    simulation: SimulationResult
    explained: dict[str, Any]
    rank: int | None = None
    reason: str | None = None

    def row(self) -> dict[str, Any]:
        """The table's row (and ``--json``'s summary)."""
        m = self.metrics
        return {
            "rank": self.rank,
            "wallet": self.wallet,
            "name": self.name,
            "verdict": "ranked" if self.reason is None else f"filtered: {self.reason}",
            "copy_pnl": self.simulation.copy_pnl if self.reason is None else None,
            "win_rate": m.win_rate,
            "markets": m.markets,
            "trades": m.trades,
            "fills_per_day": m.fills_per_day,
            "avg_entry": m.avg_entry_price,
            "best_day_share": m.best_day_share,
            "profitable_weeks": m.profitable_weeks_share,
        }


@dataclass
class DiscoveryReport:
    """A run: its id and its candidates, ranked first."""

    run: str
    candidates: list[CandidateReport] = field(default_factory=list)
    requests: int = 0


def gather(client: DiscoveryClient, options: DiscoverOptions) -> dict[str, dict[str, Any]]:
    """Wallets of the boards (first seen first), each with its name and board rows."""
    found: dict[str, dict[str, Any]] = {}
    for window in options.windows:
        for category in options.categories:
            rows = client.leaderboard(
                window=window,
                category=category,
                order_by=options.order_by,
                limit=options.per_board,
            )
            for row in rows:
                wallet = str(row.get("proxyWallet") or "").lower()
                if not wallet.startswith("0x") or len(wallet) != 42:
                    continue
                entry = found.setdefault(
                    wallet, {"name": str(row.get("userName") or ""), "board": []}
                )
                entry["board"].append(
                    {
                        "window": window,
                        "category": category,
                        "order_by": options.order_by,
                        "rank": str(row.get("rank", "")),
                        "pnl": str(row.get("pnl", "")),
                        "vol": str(row.get("vol", "")),
                    }
                )
    return dict(list(found.items())[: options.most_candidates])


def discover(
    client: DiscoveryClient,
    engine: TradingEngine,
    *,
    options: DiscoverOptions,
    config: AgentConfig,
    thresholds: Thresholds,
    rules: SimulationRules,
    now: datetime,
) -> DiscoveryReport:
    """Score every candidate of the boards and record the run."""
    run = f"discover-{now.strftime('%Y%m%dT%H%M%SZ')}"
    report = DiscoveryReport(run)
    scored: list[ScoredCandidate] = []
    most = options.history_rows
    for wallet, entry in gather(client, options).items():
        history, _ = build_history(
            wallet,
            trades_all=client.trades(wallet, taker_only=False, most=most),
            trades_taker=client.trades(wallet, taker_only=True, most=most),
            activity=client.activity(wallet, most=most),
            closed=client.closed_positions(wallet, most=most),
            board=tuple(entry["board"]),
            name=entry["name"],
        )
        metrics = compute_metrics(history)
        checks = [c.to_record() for c in screen(metrics, thresholds)]
        reason = first_failed(checks)
        # A filtered wallet is not ranked, so its copy is not simulated (time and requests).
        result = simulate(history, config, rules, now) if reason is None else SimulationResult()
        explained = (
            result.explain(rules, config)
            if reason is None
            else {"skipped": f"filtered ({reason}): not simulated"}
        )
        scored.append(
            ScoredCandidate(
                wallet=wallet,
                board=tuple(entry["board"]),
                metrics=metrics.to_record(),
                thresholds=thresholds.to_record(),
                checks=tuple(checks),
                copy_pnl=result.copy_pnl if reason is None else None,
                simulation=explained,
            )
        )
        report.candidates.append(
            CandidateReport(
                wallet,
                entry["name"],
                metrics,
                checks,
                result,
                explained,
                reason=reason,
            )
        )
    ranks = engine.handle(RecordDiscovery(run, tuple(scored)))
    for candidate in report.candidates:
        candidate.rank = ranks.get(candidate.wallet)
    report.candidates.sort(
        key=lambda c: (c.rank is None, c.rank or 0, -c.simulation.copy_pnl, c.wallet)
    )
    report.requests = client.requests
    return report
