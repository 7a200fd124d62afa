"""The redemption steps, each an engine command and an event on the market's ``Redemption``:
requested, signed (before the broadcast), then confirmed or failed from the receipt. A rerun
finds a signed transaction again by its hash and sends the same bytes if the chain has not
seen them, so a crash never makes a second transaction. Without a key it is a dry run: it says
what it would send and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from adapters.redeem.candidates import VENUE, Candidate
from adapters.redeem.ctf import BINARY_INDEX_SETS, CtfRedeemer
from engine import commands as c
from engine.redemptions import REQUESTED, SIGNED, Redemption
from engine.service import TradingEngine
from engine.values import dec_str


def describe(candidate: Candidate) -> str:
    """``<market>: <size> shares of <token> (agent 10, ...)``."""
    holders = ", ".join(f"{a} {dec_str(s)}" for a, s in sorted(candidate.holders.items()))
    token = candidate.winning_token_id
    short = token if len(token) <= 16 else f"{token[:8]}...{token[-6:]}"
    return f"{candidate.market_id}: {dec_str(candidate.size)} shares of {short} ({holders})"


def dry_run(candidates: list[Candidate], redeemer: CtfRedeemer | None) -> list[str]:
    """What a redemption would send, one line per market."""
    lines = []
    for candidate in candidates:
        call = f"redeemPositions(collateral, 0x0, {candidate.market_id}, {list(BINARY_INDEX_SETS)})"
        if redeemer is not None and candidate.is_condition:
            data = redeemer.calldata(candidate.market_id, BINARY_INDEX_SETS)
            call += f" to {redeemer.contract.address}, data {data[:10]}..."
        lines.append(f"would redeem {describe(candidate)}: {call}")
    return lines


def redeem(
    engine: TradingEngine,
    candidates: list[Candidate],
    redeemer: CtfRedeemer,
    *,
    report: Callable[[str], None],
) -> dict[str, int]:
    """Redeem each market (or finish a redemption a crash left signed); answers outcome ->
    markets."""
    done: dict[str, int] = {}
    for candidate in candidates:
        outcome = _redeem_one(engine, candidate, redeemer)
        report(f"{describe(candidate)}: {outcome}")
        done[outcome.split(":")[0]] = done.get(outcome.split(":")[0], 0) + 1
    return done


def _redeem_one(engine: TradingEngine, candidate: Candidate, redeemer: CtfRedeemer) -> str:
    if not candidate.is_condition:
        return "skipped: the market id is not a condition id"
    redemption_id = engine.handle(
        c.RequestRedemption(
            venue=VENUE,
            market_id=candidate.market_id,
            winning_token_id=candidate.winning_token_id,
            holders=tuple((a, dec_str(s)) for a, s in sorted(candidate.holders.items())),
            funder=redeemer.address,
            contract=redeemer.contract.address,
            index_sets=BINARY_INDEX_SETS,
        )
    )
    record: Redemption = engine.app.repository.get(redemption_id)
    if record.status == REQUESTED:
        signed = redeemer.sign(candidate.market_id, BINARY_INDEX_SETS)
        engine.handle(
            c.RecordRedemptionSigned(redemption_id, signed.tx_hash, signed.nonce, signed.raw_tx)
        )
        record = engine.app.repository.get(redemption_id)
    if record.status != SIGNED or record.tx_hash is None or record.raw_tx is None:
        return f"{record.status.lower()}: nothing to do"
    receipt = redeemer.receipt(record.tx_hash, wait=False)
    if not receipt.mined:
        redeemer.broadcast(record.raw_tx)  # the same bytes: never a second transaction
        receipt = redeemer.receipt(record.tx_hash)
    if not receipt.mined:
        return f"pending: {record.tx_hash} not mined yet; run tape redeem again"
    engine.handle(
        c.RecordRedemptionOutcome(
            redemption_id,
            record.tx_hash,
            confirmed=receipt.succeeded,
            block_number=receipt.block_number,
            reason="" if receipt.succeeded else "reverted",
        )
    )
    if receipt.succeeded:
        return f"redeemed: {record.tx_hash} in block {receipt.block_number}"
    return f"failed: {record.tx_hash} reverted"


def total(candidates: list[Candidate]) -> Decimal:
    """The payout the candidates stand for (1 a winning share)."""
    return sum((c.size for c in candidates), Decimal(0))
