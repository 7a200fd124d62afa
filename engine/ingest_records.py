"""What a scale-out ingest log records besides intents: the desk's agent configuration and
market resolutions. Engine workers follow these in log order, so every worker applies the same
configuration and settles the same markets at the same point of the input, whatever its pace."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from engine.aggregate import TapeAggregate
from engine.config import AgentConfig
from engine.ids import desk_uuid, resolution_uuid

DESK = "desk"
"""The name of a deployment's desk record (one per ingest log)."""


class Desk(TapeAggregate):
    """The agents a deployment trades for, as configured; each change is an event."""

    @staticmethod
    def create_id(name: str) -> UUID:
        """uuid5 of the desk's name."""
        return desk_uuid(name)

    class DeskOpened(TapeAggregate.Created):
        """The desk's first configuration."""

        name: str
        agents: list[dict[str, Any]]

        def apply(self, aggregate: Any) -> None:
            aggregate.agents = self.agents

    class AgentsConfigured(TapeAggregate.Event):
        """The agents' rules as the configuration file now has them."""

        agents: list[dict[str, Any]]

        def apply(self, aggregate: Any) -> None:
            aggregate.agents = self.agents

    if TYPE_CHECKING:
        agents: list[dict[str, Any]]

    @classmethod
    def open(cls, *, name: str, agents: list[AgentConfig], at: datetime) -> Desk:
        """The first configuration of a desk."""
        return cls._create(
            cls.DeskOpened, name=name, agents=[a.to_record() for a in agents], timestamp=at
        )

    def configure(self, *, agents: list[AgentConfig], at: datetime) -> bool:
        """Record a configuration; returns False when it is the one already recorded."""
        records = [a.to_record() for a in agents]
        if records == self.agents:
            return False
        self.trigger_event(self.AgentsConfigured, agents=records, timestamp=at)
        return True

    @staticmethod
    def agent_configs(records: list[dict[str, Any]]) -> list[AgentConfig]:
        """The configurations an event carries."""
        return [AgentConfig.from_record(record) for record in records]


class MarketResolution(TapeAggregate):
    """A market's outcome, as an input recorded it."""

    @staticmethod
    def create_id(venue: str, market_id: str) -> UUID:
        """uuid5 of venue and market."""
        return resolution_uuid(venue, market_id)

    class MarketResolved(TapeAggregate.Created):
        """The market resolved to ``winning_token_id``."""

        venue: str
        market_id: str
        winning_token_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.winning_token_id = self.winning_token_id

    if TYPE_CHECKING:
        winning_token_id: str

    @classmethod
    def resolve(
        cls, *, venue: str, market_id: str, winning_token_id: str, at: datetime
    ) -> MarketResolution:
        """Record a resolution."""
        return cls._create(
            cls.MarketResolved,
            venue=venue,
            market_id=market_id,
            winning_token_id=winning_token_id,
            timestamp=at,
        )
