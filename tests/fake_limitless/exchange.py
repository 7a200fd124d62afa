"""The fake's order handling: signature and amount checks, matching on the YES book,
settlement and holdings."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from adapters.ctf.eip712 import ORDER_V1_FIELDS, order_typed_data, recover_signer
from tests.fake_limitless.state import (
    MICRO,
    TICK,
    Account,
    FakeState,
    HttpError,
    Market,
    Match,
    Order,
    Resting,
)

CHAIN_ID = 8453
FIELDS = [f["name"] for f in ORDER_V1_FIELDS]


def _yes_terms(market: Market, token: str, side: str, price: Decimal) -> tuple[str, Decimal]:
    """A NO order at q is the opposite YES order at 1 - q."""
    if token == market.yes:
        return side, price
    return ("SELL" if side == "BUY" else "BUY"), 1 - price


class FakeExchange(FakeState):
    """Checks, matches and settles orders."""

    def check_order(self, body: dict[str, Any], account: Account) -> tuple[Market, dict[str, Any]]:
        """The market and signed order of a POST /orders body, or an HttpError."""
        market = self.markets.get(str(body.get("marketSlug")))
        if market is None:
            raise HttpError(404, "Market not found")
        order = body.get("order")
        if not isinstance(order, dict) or any(name not in order for name in FIELDS):
            raise HttpError(400, "order: missing fields")
        if market.status != "FUNDED":
            raise HttpError(400, f"Market is closed ({market.status})")
        if str(order["tokenId"]) not in (market.yes, market.no):
            raise HttpError(400, "tokenId is not a position of this market")
        typed = order_typed_data(
            name="Limitless CTF Exchange",
            version="1",
            chain_id=CHAIN_ID,
            exchange=market.exchange,
            fields=ORDER_V1_FIELDS,
            message={name: _typed(name, order[name]) for name in FIELDS},
        )
        try:
            signer = recover_signer(typed, str(order.get("signature")))
        except Exception:
            raise HttpError(400, "Invalid signature") from None
        if (
            signer.lower() != str(order["signer"]).lower()
            or signer.lower() != str(order["maker"]).lower()
        ):
            raise HttpError(400, "Invalid signature: signer does not match maker")
        if signer.lower() != account.address.lower():
            raise HttpError(403, "Order signer is not the token's wallet")
        if market.fee_module == "COLLATERAL" and int(order["feeRateBps"]) != 0:
            raise HttpError(400, "feeRateBps must be 0 on this market")
        if body.get("ownerId") != account.profile_id:
            raise HttpError(400, "ownerId does not match the token")
        return market, order

    def terms(self, body: dict[str, Any], order: dict[str, Any]) -> tuple[str, Decimal, Decimal]:
        """(side, price, shares) of a GTC/FAK order whose amounts are price x shares."""
        side = "BUY" if int(order["side"]) == 0 else "SELL"
        price = Decimal(repr(float(order["price"])))
        if price % TICK != 0 or not TICK <= price <= 1 - TICK:
            raise HttpError(400, f"Price {price} is not on the 0.001 tick")
        maker, taker = int(order["makerAmount"]), int(order["takerAmount"])
        shares_micro = taker if side == "BUY" else maker
        usdc_micro = maker if side == "BUY" else taker
        exact = Decimal(shares_micro) * price
        rounding = ROUND_CEILING if side == "BUY" else ROUND_FLOOR
        if usdc_micro != int(exact.to_integral_value(rounding=rounding)) or shares_micro % 1000:
            raise HttpError(400, "makerAmount/takerAmount do not match price and size")
        return side, price, Decimal(shares_micro) / MICRO

    def place(self, body: dict[str, Any], account: Account) -> dict[str, Any]:
        """POST /orders: checks, the duplicate rule, matching; the answer."""
        with self.lock:
            market, signed = self.check_order(body, account)
            cid = str(body.get("clientOrderId") or "")
            if cid and (account.address, cid) in self.by_client_id:
                raise HttpError(409, "Order with this clientOrderId already exists")
            order_type = str(body.get("orderType"))
            if order_type not in ("GTC", "FAK", "FOK"):
                raise HttpError(400, f"orderType {order_type} is not supported")
            side, price, shares = self.terms(body, signed)
            if market.min_size and shares < market.min_size:
                raise HttpError(400, f"Size below the minimum {market.min_size}")
            order = Order(
                self.next_id("ord"), account.address, cid, market, str(signed["tokenId"]),
                side, price, shares, order_type,
            )  # fmt: skip
            if order_type == "FOK" and self._available(order) < shares:
                raise HttpError(400, "FOK order could not be fully filled")
            self._match(order)
            if order.filled >= order.size:
                order.status = "MATCHED"
            elif order_type == "GTC":
                yes_side, yes_price = _yes_terms(market, order.token, side, price)
                market.book.append(Resting(yes_side, yes_price, order.size - order.filled, order))
            else:
                order.status = "CANCELLED"  # a FAK's remainder
            self.orders[order.id] = order
            if cid:
                self.by_client_id[(account.address, cid)] = order
            self.received.append(body)
            return {
                "order": {"id": order.id, "status": order.status, "clientOrderId": cid},
                "makerMatches": [m.json() for m in order.matches],
                "execution": {
                    "matched": bool(order.matches),
                    "settlementStatus": "MATCHED" if order.matches else "UNMATCHED",
                    "clientOrderId": cid,
                },
            }

    def _crossing(self, order: Order) -> list[Resting]:
        yes_side, yes_price = _yes_terms(order.market, order.token, order.side, order.price)
        if yes_side == "BUY":
            levels = [r for r in order.market.book if r.side == "SELL" and r.price <= yes_price]
            return sorted(levels, key=lambda r: r.price)
        levels = [r for r in order.market.book if r.side == "BUY" and r.price >= yes_price]
        return sorted(levels, key=lambda r: -r.price)

    def _available(self, order: Order) -> Decimal:
        return sum((r.size for r in self._crossing(order) if r.order is None), Decimal(0))

    def _match(self, order: Order) -> None:
        for resting in self._crossing(order):
            if resting.order is not None:
                continue  # never trades against our own resting orders
            size = min(resting.size, order.size - order.filled)
            if size <= 0:
                break
            price = resting.price if order.token == order.market.yes else 1 - resting.price
            self._trade(order, size, price)
            resting.size -= size
        order.market.book = [r for r in order.market.book if r.size > 0]

    def _trade(self, order: Order, size: Decimal, price: Decimal) -> None:
        order.matches.append(Match(self.next_id("trade"), size, price))
        key = (order.owner, order.token)
        signed = size if order.side == "BUY" else -size
        self.holdings[key] = self.holdings.get(key, Decimal(0)) + signed

    def hit_resting(self, order_id: str, size: str) -> None:
        """Someone trades ``size`` against our resting order at its price."""
        with self.lock:
            order = self.orders[order_id]
            self._trade(order, Decimal(size), order.price)
            for resting in order.market.book:
                if resting.order is order:
                    resting.size -= Decimal(size)
            order.market.book = [r for r in order.market.book if r.size > 0]
            if order.filled >= order.size:
                order.status = "MATCHED"

    def settle(self, order_id: str, status: str) -> None:
        """Every unsettled match of an order becomes ``status``; FAILED undoes its shares."""
        with self.lock:
            order = self.orders[order_id]
            for match in order.matches:
                if match.status in ("MINED", "CONFIRMED", "FAILED"):
                    continue
                match.status = status
                if status == "FAILED":
                    key = (order.owner, order.token)
                    undo = match.size if order.side == "BUY" else -match.size
                    self.holdings[key] = self.holdings.get(key, Decimal(0)) - undo

    def cancel(self, order_id: str, account: Account) -> dict[str, Any]:
        """DELETE /orders/{id}."""
        with self.lock:
            order = self.orders.get(order_id)
            if order is None or order.owner != account.address:
                raise HttpError(404, "Order not found")
            if order.status != "LIVE":
                raise HttpError(400, f"Order is {order.status}")
            order.status = "CANCELLED"
            order.market.book = [r for r in order.market.book if r.order is not order]
            return {"message": "Order canceled"}

    def user_orders(self, slug: str, account: Account) -> dict[str, Any]:
        """GET /markets/{slug}/user-orders: every order of ours on the market."""
        with self.lock:
            rows = [
                o.json()
                for o in self.orders.values()
                if o.market.slug == slug and o.owner == account.address
            ]
            return {"orders": rows}

    def positions(self, account: Account) -> dict[str, Any]:
        """GET /portfolio/positions: the token balances of our CLOB positions."""
        with self.lock:
            rows = []
            for market in self.markets.values():
                yes = self.holdings.get((account.address, market.yes), Decimal(0))
                no = self.holdings.get((account.address, market.no), Decimal(0))
                if yes or no:
                    rows.append(
                        {
                            "market": {"slug": market.slug},
                            "tokensBalance": {"yes": str(micro(yes)), "no": str(micro(no))},
                        }
                    )
            return {"clob": rows, "amm": [], "group": []}


def micro(value: Decimal) -> int:
    """Micro-units."""
    return int(value * MICRO)


def _typed(name: str, value: Any) -> Any:
    if name in ("maker", "signer", "taker"):
        return str(value)
    return int(value)
