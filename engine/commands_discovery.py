"""Commands of trader discovery: a run's candidates recorded, a wallet followed or unfollowed."""

from __future__ import annotations

from dataclasses import dataclass

from engine.command import Command
from engine.discovery.candidates import ScoredCandidate


@dataclass(frozen=True)
class RecordDiscovery(Command[dict[str, int]]):
    """Rank a discovery run's candidates and record each (``Candidate.CandidateScored``);
    answers the ranks of those that passed every filter."""

    run: str
    candidates: tuple[ScoredCandidate, ...]


@dataclass(frozen=True)
class ChangeFollowList(Command[bool]):
    """Follow (or stop following) a trader's wallet: the agent's ``follow`` list changes
    (``AgentConfigChanged``); answers whether it changed."""

    agent: str
    wallet: str
    follow: bool = True
