"""Redeeming: a resolved market's winning shares turned into collateral on chain, each step an
event on the market's ``Redemption`` record (``engine/redemptions.py``)."""

from __future__ import annotations

from uuid import UUID

from engine.commands import RecordRedemptionOutcome, RecordRedemptionSigned, RequestRedemption
from engine.handlers.context import EngineContext
from engine.redemptions import FAILED, Redemption, redemption_uuid


def request(ctx: EngineContext, command: RequestRedemption) -> UUID:
    """A first request, or a retry of a failed one; a request in flight or done is answered
    with its id and left as it is."""
    at = ctx.clock.now()
    found: Redemption | None = ctx.unit.get_or_none(
        redemption_uuid(command.venue, command.market_id)
    )
    if found is None:
        found = Redemption.request(
            venue=command.venue,
            market_id=command.market_id,
            winning_token_id=command.winning_token_id,
            holders=[{"agent": agent, "size": size} for agent, size in command.holders],
            funder=command.funder,
            contract=command.contract,
            index_sets=list(command.index_sets),
            at=at,
        )
        ctx.unit.add(found)
    elif found.status == FAILED:
        found.retry(at=ctx.after(found.modified_on))
        ctx.unit.add(found)
    return found.id


def signed(ctx: EngineContext, command: RecordRedemptionSigned) -> None:
    """``RedemptionSigned`` (committed before the broadcast, as an order before its POST)."""
    redemption: Redemption = ctx.unit.get(command.redemption_id)
    redemption.signed(
        tx_hash=command.tx_hash,
        nonce=command.nonce,
        raw_tx=command.raw_tx,
        at=ctx.after(redemption.modified_on),
    )
    ctx.unit.add(redemption)
    ctx.unit.flush()


def outcome(ctx: EngineContext, command: RecordRedemptionOutcome) -> None:
    """``RedemptionConfirmed`` or ``RedemptionFailed``."""
    redemption: Redemption = ctx.unit.get(command.redemption_id)
    at = ctx.after(redemption.modified_on)
    if command.confirmed:
        redemption.confirmed(tx_hash=command.tx_hash, block_number=command.block_number, at=at)
    else:
        redemption.failed(tx_hash=command.tx_hash, reason=command.reason, at=at)
    ctx.unit.add(redemption)
