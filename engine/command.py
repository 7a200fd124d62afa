"""The base of every engine command, ``Command[R]``, and the answers more than one handler
family gives (``Receipt``, ``Recovery``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

R = TypeVar("R")


class Command(Generic[R]):
    """A request to the engine whose handler returns an ``R``."""


@dataclass(frozen=True)
class Receipt:
    """What happened to a submitted intent: taken in, or a redelivery of one already taken.

    A signal (an intent without ``agent``) is taken in once per follower of its trader:
    ``intent_ids`` names those intents (``<signal id>@<agent>``), and its status is
    ``received`` when any of them is new, ``duplicate`` when all were known, ``unfollowed``
    when no copy agent follows the trader (recorded as a denied input)."""

    intent_id: str
    status: Literal["received", "duplicate", "unfollowed"]
    intent_ids: tuple[str, ...] = ()

    @property
    def to_decide(self) -> tuple[str, ...]:
        """The intents this receipt took in (or found again), which a runner decides."""
        return self.intent_ids or (self.intent_id,)


@dataclass(frozen=True)
class Recovery:
    """What a start-up finished: how far each feed had been read, what reconciliation did
    (action -> orders), and how many received intents were decided."""

    feed_positions: dict[str, int]
    reconciled: dict[str, int]
    decided: int
