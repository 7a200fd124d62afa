"""The amount checks of an order, with the real error strings: tick, precision, minimum
size, balance and allowance."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.fake_clob.auth import ClobAuth
from tests.fake_clob.state import (
    MICRO,
    FakeMarket,
    HttpError,
    decimals_of,
    fmt,
)


class ClobChecks(ClobAuth):
    """What an order's amounts must satisfy before it is matched."""

    def _amounts(
        self, order_id: str, order: dict[str, Any], market: FakeMarket, *, marketable: bool
    ) -> tuple[Decimal, Decimal, Decimal]:
        """(shares, usdc, price) of a signed order, after the tick, precision and size rules."""
        side = order["side"]
        maker_micro, taker_micro = int(order["makerAmount"]), int(order["takerAmount"])
        if maker_micro <= 0 or taker_micro <= 0:
            raise HttpError(400, {"error": "invalid amounts, amounts must be positive"})
        maker_amount, taker_amount = Decimal(maker_micro) / MICRO, Decimal(taker_micro) / MICRO
        shares, usdc = (
            (taker_amount, maker_amount) if side == "BUY" else (maker_amount, taker_amount)
        )
        price = usdc / shares
        if marketable:
            if decimals_of(maker_amount) > 2 or decimals_of(taker_amount) > 4:
                raise HttpError(
                    400,
                    {
                        "error": f"invalid amounts, the market {side.lower()} orders maker amount "
                        "supports a max accuracy of 2 decimals, taker amount a max of 4 decimals"
                    },
                )
            if side == "BUY" and usdc < 1:
                raise HttpError(
                    400,
                    {"error": f"invalid amount for a marketable BUY order (${fmt(usdc)}), "
                     "min size: $1"},
                )  # fmt: skip
        else:
            self._limit_rules(order_id, side, market, maker_amount, taker_amount)
        if not market.tick <= price <= 1 - market.tick + Decimal("0.0001"):
            raise HttpError(400, {"error": f"invalid price ({fmt(price)})"})
        return shares, usdc, price

    def _limit_rules(
        self,
        order_id: str,
        side: str,
        market: FakeMarket,
        maker_amount: Decimal,
        taker_amount: Decimal,
    ) -> None:
        shares, usdc = (
            (taker_amount, maker_amount) if side == "BUY" else (maker_amount, taker_amount)
        )
        price = usdc / shares
        if price % market.tick != 0:
            raise HttpError(
                400,
                {
                    "error": f"order {order_id} is invalid. Price ({fmt(price)}) breaks "
                    f"minimum tick size rule: {fmt(market.tick)}"
                },
            )
        usdc_decimals, share_decimals = decimals_of(market.tick) + 2, 2
        maker_max, taker_max = (
            (usdc_decimals, share_decimals) if side == "BUY" else (share_decimals, usdc_decimals)
        )
        if decimals_of(maker_amount) > maker_max or decimals_of(taker_amount) > taker_max:
            raise HttpError(
                400,
                {
                    "error": f"invalid amounts, the {side.lower()} orders maker amount supports "
                    f"a max accuracy of {maker_max} decimals, taker amount a max of "
                    f"{taker_max} decimals"
                },
            )
        if shares < market.min_size:
            raise HttpError(
                400,
                {
                    "error": f"order {order_id} is invalid. Size ({fmt(shares)}) lower than "
                    f"the minimum: {fmt(market.min_size)}"
                },
            )
