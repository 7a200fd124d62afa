"""Copy signals address traders, not agents: an intent without ``agent`` is decided once for
every copy agent whose ``follow`` list holds its ``source.trader``.

Each follower gets its own intent, the signal addressed to it: the same trade with ``agent``
set and the id ``<signal id>@<agent>`` (``addressed_id``), so each has its own Intent, verdict,
order and ``why``, and a redelivered signal is recognised per agent (its addressed intent
exists). Which agents exist is the ``Roster``'s business: the agents this engine registered,
and those its log says another process registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from engine.intent import TradeIntent

if TYPE_CHECKING:
    from engine.application import TapeApplication
    from engine.unit_of_work import UnitOfWork

ADDRESS_SEPARATOR = "@"
REGISTERED_TOPIC = "engine.agents:Agent.AgentRegistered"
_PAGE = 500


def addressed_id(signal_id: str, agent: str) -> str:
    """The id of a signal's intent for one agent: ``<signal id>@<agent>``."""
    return f"{signal_id}{ADDRESS_SEPARATOR}{agent}"


def address(signal: TradeIntent, agent: str) -> TradeIntent:
    """The signal as the intent of one of its trader's followers."""
    return signal.model_copy(
        update={"agent": agent, "intent_id": addressed_id(signal.intent_id, agent)}
    )


def other_identity(intent: TradeIntent) -> str | None:
    """The other id under which an agent may already hold this copy trade: for an intent
    addressed to agent A under ``I``, the signal's ``I@A``; for ``I@A`` addressed to A, the
    plain ``I`` (a monitor that was run with ``--agent A`` before). None when there is none."""
    if intent.agent is None or intent.source.kind != "copy":
        return None
    suffix = ADDRESS_SEPARATOR + intent.agent
    if intent.intent_id.endswith(suffix) and len(intent.intent_id) > len(suffix):
        return intent.intent_id[: -len(suffix)]
    return addressed_id(intent.intent_id, intent.agent)


class Roster:
    """The agents an engine knows: those it registered, and those registered in its log by
    any process (read on from where the last look stopped, ``AgentRegistered`` only)."""

    def __init__(self) -> None:
        self._ids: set[UUID] = set()
        self._read_to = 0

    def note(self, agent_id: UUID) -> None:
        """An agent this engine registered (maybe not yet committed: group commit)."""
        self._ids.add(agent_id)

    def agent_ids(self, app: TapeApplication) -> list[UUID]:
        """Every agent known, in a fixed order."""
        while True:
            page = app.recorder.select_notifications(
                start=self._read_to + 1, limit=_PAGE, topics=[REGISTERED_TOPIC]
            )
            if not page:
                break
            for notification in page:
                self._ids.add(UUID(str(notification.originator_id)))
            self._read_to = page[-1].id
        return sorted(self._ids)

    def followers(self, app: TapeApplication, unit: UnitOfWork, trader: str) -> list[str]:
        """The copy agents whose follow list holds ``trader``, by name; each agent read as it
        stands now (another process may have changed its rules)."""
        names = []
        for agent_id in self.agent_ids(app):
            agent: Any = unit.refresh(agent_id)
            if agent is None:
                continue  # noted in a step that was thrown away
            config = agent.config
            if config.strategy == "copy" and trader in config.follow:
                names.append(config.name)
        return sorted(names)
