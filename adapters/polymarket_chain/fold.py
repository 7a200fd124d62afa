"""Chain fills -> the same :class:`~adapters.polymarket_data.folding.Trade` the Data API gives.

A followed wallet's trades are the fills of its own orders: the events whose ``maker`` is the
wallet (or its proxy wallet or Safe). That covers both roles: a resting order filled by
someone else (``taker`` = the counterparty) and the wallet's own crossing order (``taker`` =
the exchange, with ``OrdersMatched``). An event that names the wallet only as ``taker``
describes the counterparty's order, from the counterparty's side, and is never read.

Per transaction, an order's ``OrderFilled`` events count; its ``OrdersMatched`` (the same fill
of a taker order, told again) counts only when no ``OrderFilled`` of that order is in the
transaction. Then the fills of one transaction, token and side become one trade, as the Data
API monitor folds its rows: the id is ``copy:<tx>:<token>:<side>``, the size the total shares,
the price the total collateral over the total shares (12 decimals), the time the block's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal

from adapters.polymarket_chain.logs import FILLED, MATCHED, ChainFill
from adapters.polymarket_data.folding import PRICE_QUANTUM, Trade

UNITS = Decimal(1_000_000)  # outcome tokens and collateral both have 6 decimals
_WIDE = Context(prec=50)

Market = tuple[str, str]  # (condition id, outcome) of a token


def own_fills(fills: Iterable[ChainFill]) -> list[ChainFill]:
    """Each order's fills once: OrdersMatched dropped where an OrderFilled tells the same."""
    fills = list(fills)
    told = {(f.tx_hash, f.order_hash) for f in fills if f.event == FILLED}
    return [f for f in fills if f.event != MATCHED or (f.tx_hash, f.order_hash) not in told]


def fold_fills(
    fills: Iterable[ChainFill],
    *,
    owner_of: Mapping[str, str],
    block_time: Callable[[int], int],
    market_of: Callable[[str], Market | None],
) -> dict[str, list[Trade]]:
    """Trades per followed wallet, sorted as the monitor emits them.

    ``owner_of`` maps each watched address (lowercase: the wallet, its proxy, its Safe) to
    the followed wallet; ``block_time`` gives a block's timestamp; ``market_of`` a token's
    condition id and outcome (None: the token's trades are left out; it may raise: nothing
    is folded then).
    """
    groups: dict[tuple[str, str, str, str], list[ChainFill]] = {}
    for fill in own_fills(f for f in fills if f.maker in owner_of):
        key = (owner_of[fill.maker], fill.tx_hash, fill.token_id, fill.side)
        groups.setdefault(key, []).append(fill)
    trades: dict[str, list[Trade]] = {}
    for (wallet, tx_hash, token, side), members in groups.items():
        shares = sum(f.shares for f in members)
        usdc = sum(f.usdc for f in members)
        if shares <= 0:
            continue
        market = market_of(token)
        if market is None:
            continue
        condition_id, outcome = market
        price = _WIDE.divide(Decimal(usdc), Decimal(shares)).quantize(
            PRICE_QUANTUM, ROUND_HALF_EVEN
        )
        trades.setdefault(wallet, []).append(
            Trade(
                tx_hash=tx_hash,
                asset=token,
                side=side,
                outcome=outcome,
                condition_id=condition_id,
                timestamp=block_time(min(f.block_number for f in members)),
                size=Decimal(shares) / UNITS,
                price=price,
                fills=len(members),
                notional=Decimal(usdc) / UNITS,
            )
        )
    return {wallet: sorted(found, key=lambda t: t.sort_key) for wallet, found in trades.items()}
