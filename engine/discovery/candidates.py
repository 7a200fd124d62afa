"""The Candidate aggregate: a wallet discovery looked at, and each time it was scored, with
every value compared (``CandidateScored``), so ``tape why <wallet>`` explains a rank without
recomputing anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from engine.aggregate import TapeAggregate
from engine.ids import candidate_uuid


class Candidate(TapeAggregate):
    """A wallet considered for following."""

    @staticmethod
    def create_id(wallet: str) -> UUID:
        """uuid5 of the wallet (lower case)."""
        return candidate_uuid(wallet)

    class CandidateObserved(TapeAggregate.Created):
        """Discovery first met the wallet."""

        wallet: str

        def apply(self, aggregate: Any) -> None:
            aggregate.wallet = self.wallet
            aggregate.scores = []

    class CandidateScored(TapeAggregate.Event):
        """One discovery run's verdict: where the wallet came from (``board``), its metrics,
        the thresholds and every filter with its values (``checks``), ``verdict`` ranked or
        filtered and its ``reason``, the ``rank``, and the copy simulation
        (``copy_pnl`` and ``simulation``: what it replayed, with which rules, and what came
        of it)."""

        wallet: str
        run: str
        board: list[dict[str, Any]]
        metrics: dict[str, str]
        thresholds: dict[str, str]
        checks: list[dict[str, Any]]
        verdict: str
        reason: str | None
        rank: int | None
        copy_pnl: Decimal | None
        simulation: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate.scores.append(self.run)

    if TYPE_CHECKING:
        wallet: str
        scores: list[str]

    @classmethod
    def observe(cls, *, wallet: str, at: datetime) -> Candidate:
        """The first time discovery meets a wallet."""
        return cls._create(cls.CandidateObserved, wallet=wallet, timestamp=at)

    def score(self, *, at: datetime, **verdict: Any) -> None:
        """Record one run's verdict (the fields of ``CandidateScored``)."""
        self.trigger_event(self.CandidateScored, timestamp=at, **verdict)


@dataclass(frozen=True)
class ScoredCandidate:
    """What a discovery run found of one wallet, before it is ranked and recorded."""

    wallet: str
    board: tuple[dict[str, Any], ...]
    metrics: dict[str, str]
    thresholds: dict[str, str]
    checks: tuple[dict[str, Any], ...]
    copy_pnl: Decimal | None
    simulation: dict[str, Any]


def candidate_of(event: Candidate.CandidateScored) -> ScoredCandidate:
    """The scored candidate a recorded verdict was made from (replay sends it again)."""
    return ScoredCandidate(
        wallet=event.wallet,
        board=tuple(event.board),
        metrics=dict(event.metrics),
        thresholds=dict(event.thresholds),
        checks=tuple(event.checks),
        copy_pnl=event.copy_pnl,
        simulation=dict(event.simulation),
    )
