"""Trades of a followed wallet placed on the local chain as the exchange settles them, and the
intents they must become."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal

from tests.fake_chain import LocalChain, Log, order_filled, order_hash, orders_matched

UNITS = Decimal(1_000_000)


@dataclass(frozen=True)
class Placed:
    """A trade of the followed wallet on chain, and what its intent must say."""

    tx_hash: str
    wallet: str  # the followed wallet (the intent's trader)
    token: int
    side: str
    shares: int  # 1e6 units, the total over the wallet's fills
    usdc: int
    block: int
    logs: tuple[Log, ...] = ()  # what its transaction emitted, to mine it again
    exchange: int = 0

    @property
    def intent_id(self) -> str:
        """The id both sources give it."""
        return f"copy:{self.tx_hash}:{self.token}:{self.side}"

    @property
    def size(self) -> Decimal:
        """Shares."""
        return Decimal(self.shares) / UNITS

    @property
    def price(self) -> Decimal:
        """Collateral over shares, 12 decimals."""
        exact = Context(prec=50).divide(Decimal(self.usdc), Decimal(self.shares))
        return exact.quantize(Decimal("1e-12"), ROUND_HALF_EVEN)


def _other(side: str) -> str:
    return "SELL" if side == "BUY" else "BUY"


def place(
    chain: LocalChain,
    wallet: str,
    *,
    token: int,
    side: str,
    fills: list[tuple[int, int]],
    role: str = "taker",
    maker_address: str | None = None,
    exchange: int = 0,
    version: int = 2,
) -> Placed:
    """One settlement transaction in which ``wallet`` (or ``maker_address``, its proxy) trades
    ``fills`` [(shares, usdc) in 1e6 units] of ``token`` on ``side``.

    ``role="taker"``: the wallet's order crosses the counterparties' resting orders: each
    counterparty's OrderFilled names the wallet as taker, then the wallet's own OrderFilled
    (taker = the exchange) and OrdersMatched. ``role="maker"``: each fill is the wallet's
    resting order filled by a different taker order, in the same transaction.
    """
    address = maker_address or wallet
    contract = chain.exchanges[exchange]
    logs: list[Log] = []
    total_shares = sum(s for s, _ in fills)
    total_usdc = sum(u for _, u in fills)
    common = {"version": version, "token": token}
    if role == "taker":
        for shares, usdc in fills:
            counterparty = (
                "0x" + random.Random(shares * 7 + usdc).getrandbits(160).to_bytes(20, "big").hex()
            )
            logs.append(
                order_filled(
                    order_hash=order_hash(),
                    maker=counterparty,
                    taker=address,
                    side=_other(side),
                    shares=shares,
                    usdc=usdc,
                    **common,
                )
            )
        own = order_hash()
        logs.append(
            order_filled(
                order_hash=own,
                maker=address,
                taker=contract,
                side=side,
                shares=total_shares,
                usdc=total_usdc,
                **common,
            )
        )
        logs.append(
            orders_matched(
                order_hash=own,
                maker=address,
                side=side,
                shares=total_shares,
                usdc=total_usdc,
                **common,
            )
        )
    else:
        resting = order_hash()
        for n, (shares, usdc) in enumerate(fills):
            taker = "0x" + f"{n + 1:02x}" * 20
            taker_order = order_hash()
            logs.append(
                order_filled(
                    order_hash=resting,
                    maker=address,
                    taker=taker,
                    side=side,
                    shares=shares,
                    usdc=usdc,
                    **common,
                )
            )
            logs.append(
                order_filled(
                    order_hash=taker_order,
                    maker=taker,
                    taker=contract,
                    side=_other(side),
                    shares=shares,
                    usdc=usdc,
                    **common,
                )
            )
            logs.append(
                orders_matched(
                    order_hash=taker_order,
                    maker=taker,
                    side=_other(side),
                    shares=shares,
                    usdc=usdc,
                    **common,
                )
            )
    tx = chain.emit(logs, exchange=exchange)
    return Placed(
        tx, wallet, token, side, total_shares, total_usdc, chain.head(), tuple(logs), exchange
    )
