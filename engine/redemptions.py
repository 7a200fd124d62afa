"""The Redemption aggregate: turning a resolved market's winning Polymarket shares into
collateral through the CTF contract's ``redeemPositions``, one record per market.

Settlement already realised the PnL (the winning token at 1); redeeming moves the payout from
outcome tokens to cash on chain, so it changes no position. The signed transaction is recorded
before it is broadcast (write-ahead: after a crash the same transaction, same hash, is looked
up or sent again, never a second one), then its outcome from the chain's receipt.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from engine import commands as c
from engine.aggregate import TapeAggregate
from engine.ids import TAPE_NAMESPACE

REQUESTED, SIGNED, CONFIRMED, FAILED = "REQUESTED", "SIGNED", "CONFIRMED", "FAILED"


def redemption_uuid(venue: str, market_id: str) -> UUID:
    """The redemption record of a market."""
    return uuid5(TAPE_NAMESPACE, f"redemption/{venue}/{market_id}")


class Redemption(TapeAggregate):
    """What was asked of the chain to redeem one market's winning shares, and its answer."""

    @staticmethod
    def create_id(venue: str, market_id: str) -> UUID:
        """uuid5 of venue and market."""
        return redemption_uuid(venue, market_id)

    class RedemptionRequested(TapeAggregate.Created):
        """Redeem ``market_id`` (a condition id): the winning token, what each agent held of
        it when the market settled, the wallet and contract, the index sets."""

        venue: str
        market_id: str
        winning_token_id: str
        holders: list[dict[str, str]]
        funder: str
        contract: str
        index_sets: list[int]

        def apply(self, aggregate: Any) -> None:
            aggregate.venue = self.venue
            aggregate.market_id = self.market_id
            aggregate.winning_token_id = self.winning_token_id
            aggregate.holders = self.holders
            aggregate.status = REQUESTED
            aggregate.tx_hash = None
            aggregate.raw_tx = None
            aggregate.attempts = 1

    class RedemptionRetried(TapeAggregate.Event):
        """A failed redemption asked again."""

        def apply(self, aggregate: Any) -> None:
            aggregate.status = REQUESTED
            aggregate.tx_hash = None
            aggregate.raw_tx = None
            aggregate.attempts += 1

    class RedemptionSigned(TapeAggregate.Event):
        """The transaction signed, before it is broadcast (the raw bytes are public once sent,
        and hold no key)."""

        tx_hash: str
        nonce: int
        raw_tx: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = SIGNED
            aggregate.tx_hash = self.tx_hash
            aggregate.raw_tx = self.raw_tx

    class RedemptionConfirmed(TapeAggregate.Event):
        """The chain mined it with status 1."""

        tx_hash: str
        block_number: int

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CONFIRMED

    class RedemptionFailed(TapeAggregate.Event):
        """It reverted, or could not be sent; ``reason`` says which."""

        tx_hash: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = FAILED

    if TYPE_CHECKING:
        venue: str
        market_id: str
        winning_token_id: str
        holders: list[dict[str, str]]
        status: str
        tx_hash: str | None
        raw_tx: str | None
        attempts: int

    @classmethod
    def request(
        cls,
        *,
        venue: str,
        market_id: str,
        winning_token_id: str,
        holders: list[dict[str, str]],
        funder: str,
        contract: str,
        index_sets: list[int],
        at: datetime,
    ) -> Redemption:
        """A first request."""
        return cls._create(
            cls.RedemptionRequested,
            venue=venue,
            market_id=market_id,
            winning_token_id=winning_token_id,
            holders=holders,
            funder=funder,
            contract=contract,
            index_sets=index_sets,
            timestamp=at,
        )

    def retry(self, *, at: datetime) -> None:
        """Ask again after a failure."""
        self.trigger_event(self.RedemptionRetried, timestamp=at)

    def signed(self, *, tx_hash: str, nonce: int, raw_tx: str, at: datetime) -> None:
        """Record the signed transaction."""
        self.trigger_event(
            self.RedemptionSigned, tx_hash=tx_hash, nonce=nonce, raw_tx=raw_tx, timestamp=at
        )

    def confirmed(self, *, tx_hash: str, block_number: int, at: datetime) -> None:
        """Record the receipt of a mined transaction."""
        self.trigger_event(
            self.RedemptionConfirmed, tx_hash=tx_hash, block_number=block_number, timestamp=at
        )

    def failed(self, *, tx_hash: str, reason: str, at: datetime) -> None:
        """Record a revert or a transaction that could not be sent."""
        self.trigger_event(self.RedemptionFailed, tx_hash=tx_hash, reason=reason, timestamp=at)


def redemption_command(app: Any, redemption_id: UUID, event: Any) -> Any:
    """The command that records ``event`` (replay feeds a recorded redemption again)."""
    if isinstance(event, Redemption.RedemptionSigned):
        return c.RecordRedemptionSigned(redemption_id, event.tx_hash, event.nonce, event.raw_tx)
    if isinstance(event, Redemption.RedemptionConfirmed):
        return c.RecordRedemptionOutcome(
            redemption_id, event.tx_hash, confirmed=True, block_number=event.block_number
        )
    if isinstance(event, Redemption.RedemptionFailed):
        return c.RecordRedemptionOutcome(
            redemption_id, event.tx_hash, confirmed=False, reason=event.reason
        )
    if isinstance(event, Redemption.RedemptionRequested):
        first = event
    else:  # a retry asks again with the first request's fields
        first = app.repository.event_store.get(redemption_id, lte=1)[0]
    return c.RequestRedemption(
        venue=first.venue,
        market_id=first.market_id,
        winning_token_id=first.winning_token_id,
        holders=tuple((h["agent"], h["size"]) for h in first.holders),
        funder=first.funder,
        contract=first.contract,
        index_sets=tuple(first.index_sets),
    )
