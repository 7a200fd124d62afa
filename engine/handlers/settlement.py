"""Settlement: a resolved market settles every position held in it (``engine.settlement``)."""

from __future__ import annotations

from engine.commands import SettleMarket
from engine.handlers.context import EngineContext
from engine.settlement import Settlement, settle_market


def settle(ctx: EngineContext, command: SettleMarket) -> Settlement:
    """Commit what is deferred first: the market's positions are found in the log."""
    ctx.unit.flush()
    return settle_market(
        ctx.app,
        venue=command.venue,
        market_id=command.market_id,
        winning_token_id=command.winning_token_id,
        at=command.at or ctx.clock.now(),
        unit=ctx.unit,
    )
