"""Deterministic identities: every aggregate id is a uuid5 of its natural key."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

# A fixed namespace of our own, so Tape's ids never collide with another system's uuid5s.
TAPE_NAMESPACE = UUID("6d1f4f0e-7a51-5b0c-9c39-2f4d1a7e0b11")


@lru_cache(maxsize=2048)
def _tape_uuid(key: str) -> UUID:
    # One step derives the same ids several times (an intent's, its agent's, its position's):
    # the SHA-1 behind uuid5 is computed once per key while it is in use.
    return uuid5(TAPE_NAMESPACE, key)


def intent_uuid(intent_id: str) -> UUID:
    """The Intent aggregate of a ``tape.intent/1`` intent_id."""
    return _tape_uuid(f"intent/{intent_id}")


def order_uuid(intent_id: str, leg: int) -> UUID:
    """The Order placed for one leg of an intent (copy intents have one leg, 0)."""
    return _tape_uuid(f"order/{intent_id}/{leg}")


CLIENT_ORDER_PREFIX = "tape-"


def client_order_id(order_id: UUID) -> str:
    """The id we give the venue for an order; resubmitting it is answered, not filled twice."""
    return f"{CLIENT_ORDER_PREFIX}{order_id.hex}"


def order_id_of_client_order_id(client_id: str) -> UUID | None:
    """The order a client order id names, or None if it is not one of ours."""
    if not client_id.startswith(CLIENT_ORDER_PREFIX):
        return None
    try:
        return UUID(hex=client_id.removeprefix(CLIENT_ORDER_PREFIX))
    except ValueError:
        return None


def agent_uuid(name: str) -> UUID:
    """The Agent aggregate of an agent name."""
    return _tape_uuid(f"agent/{name}")


def position_uuid(agent: str, venue: str, token_id: str) -> UUID:
    """The Position of one agent in one instrument of one venue."""
    return _tape_uuid(f"position/{agent}/{venue}/{token_id}")


def trader_holding_uuid(agent: str, venue: str, trader: str, token_id: str) -> UUID:
    """What an agent has observed a copied trader to hold of one token."""
    return _tape_uuid(f"trader/{agent}/{venue}/{trader}/{token_id}")


def fill_uuid(order_id: UUID, venue_fill_key: str) -> UUID:
    """A fill's identity from its venue trade id; the same fill reported twice is one fill."""
    return _tape_uuid(f"fill/{order_id}/{venue_fill_key}")


def feed_uuid(source: str) -> UUID:
    """An input feed (a day file, an intent file, an HTTP endpoint) and what it rejected."""
    return _tape_uuid(f"feed/{source}")


def reconciliation_uuid(order_id: str) -> UUID:
    """The record of what the venue reported about an order when asked."""
    return _tape_uuid(f"reconciliation/{order_id}")


def desk_uuid(name: str) -> UUID:
    """The desk's configuration record in an ingest log."""
    return _tape_uuid(f"desk/{name}")


def resolution_uuid(venue: str, market_id: str) -> UUID:
    """A market's resolution as an ingest log records it."""
    return _tape_uuid(f"resolution/{venue}/{market_id}")


def copy_buffer_uuid(agent: str) -> UUID:
    """An agent's buffer of copies sized below a venue's minimum."""
    return _tape_uuid(f"copy-buffer/{agent}")


def candidate_uuid(wallet: str) -> UUID:
    """A wallet discovery considered for following."""
    return _tape_uuid(f"candidate/{wallet.lower()}")


def strategy_run_uuid(agent: str) -> UUID:
    """What an agent's strategy has seen, its state and the intents it gave."""
    return _tape_uuid(f"strategy/{agent}")
