"""Orders verified (owner, signer) and matched against the book (FOK, FAK, GTC); trades,
their status changes, and fills of resting orders by others."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from eth_utils import keccak

from tests.fake_clob.checks import ClobChecks
from tests.fake_clob.state import (
    EXCHANGE_V2,
    MICRO,
    NEG_RISK_EXCHANGE_V2,
    OTHER_MAKER,
    BookOrder,
    FakeMarket,
    HttpError,
    OrderRecord,
    fmt,
)


class ClobMatching(ClobChecks):
    """POST /order's checks and matching, and the trades that result."""

    def set_trade_status(self, trade_id: str, status: str) -> None:
        """Move a trade along MATCHED -> MINED -> CONFIRMED, or to FAILED (balances back)."""
        with self.lock:
            trade = next(t for t in self.trades if t["id"] == trade_id)
            trade["status"] = status
            trade["last_update"] = str(int(time.time()))
            if status == "FAILED":
                self._undo_trade(trade_id)

    def hit_resting(self, order_id: str, size: str) -> str:
        """Someone takes ``size`` of our resting order; returns the trade id."""
        with self.lock:
            record = self.orders[order_id]
            book = self.bids if record.side == "BUY" else self.asks
            resting = next(o for o in book[record.token] if o.order_id == order_id)
            take = min(Decimal(size), resting.size)
            resting.size -= take
            if resting.size <= 0:
                book[record.token].remove(resting)
            record.matched += take
            if record.matched >= record.original:
                record.status = "MATCHED"
            trade_id = self._next_id("trade")
            market = self.markets[record.market]
            self._settle(
                trade_id,
                maker=record.maker,
                token=record.token,
                side=record.side,
                size=take,
                price=record.price,
            )
            self.trades.append(
                {
                    "id": trade_id,
                    "taker_order_id": "0x" + "cd" * 32,
                    "market": record.market,
                    "asset_id": record.token,
                    "side": "SELL" if record.side == "BUY" else "BUY",
                    "size": self._units(take),
                    "fee_rate_bps": "0",
                    "price": fmt(record.price),
                    "status": "MATCHED",
                    "match_time": str(int(time.time())),
                    "last_update": str(int(time.time())),
                    "outcome": dict(market.tokens)[record.token],
                    "bucket_index": 0,
                    "owner": "other-owner",
                    "maker_address": OTHER_MAKER,
                    "transaction_hash": "0x" + keccak(text=trade_id).hex().removeprefix("0x"),
                    "trader_side": "MAKER",
                    "maker_orders": [
                        {
                            "order_id": order_id,
                            "owner": record.owner,
                            "maker_address": record.maker,
                            "matched_amount": self._units(take),
                            "price": fmt(record.price),
                            "fee_rate_bps": "0",
                            "asset_id": record.token,
                            "outcome": dict(market.tokens)[record.token],
                            "side": record.side,
                        }
                    ],
                }
            )
            record.trades.append(trade_id)
            return trade_id

    def trades_of(self, order_id: str) -> list[dict[str, Any]]:
        """The trades an order took part in."""
        with self.lock:
            return [
                t
                for t in self.trades
                if t["taker_order_id"] == order_id
                or any(m["order_id"] == order_id for m in t["maker_orders"])
            ]

    def _units(self, shares: Decimal) -> str:
        return str(int(shares * MICRO)) if self.trade_units == "micro" else fmt(shares)

    def _settle(
        self, trade_id: str, *, maker: str, token: str, side: str, size: Decimal, price: Decimal
    ) -> None:
        maker = maker.lower()
        usdc = size * price
        sign = 1 if side == "BUY" else -1
        self.balances[maker] = self.balances.get(maker, Decimal(0)) - sign * usdc
        key = (maker, token)
        self.positions[key] = self.positions.get(key, Decimal(0)) + sign * size
        self.trade_effects[trade_id] = (maker, token, side, size, price)

    def _undo_trade(self, trade_id: str) -> None:
        maker, token, side, size, price = self.trade_effects.pop(trade_id)
        sign = 1 if side == "BUY" else -1
        self.balances[maker] += sign * size * price
        self.positions[(maker, token)] -= sign * size

    def post_order(self, api_key: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /order (L2): verify, check, match."""
        order = body.get("order")
        self.posted_orders.append(dict(order) if isinstance(order, dict) else {})
        if not isinstance(order, dict) or body.get("orderType") not in ("GTC", "FOK", "FAK", "GTD"):
            raise HttpError(400, {"error": "Invalid order payload"})
        if body.get("owner") != api_key:
            raise HttpError(400, {"error": "the order owner has to be the owner of the API KEY"})
        token = str(order.get("tokenId"))
        if token not in self.token_market:
            raise HttpError(400, {"error": "Invalid token id"})
        market = self.markets[self.token_market[token]]
        exchange = NEG_RISK_EXCHANGE_V2 if market.neg_risk else EXCHANGE_V2
        try:
            order_id, recovered = self._order_digest(order, exchange)
        except (KeyError, ValueError, TypeError):
            raise HttpError(400, {"error": "Invalid order payload"}) from None
        signer_address = self.creds[api_key][0]
        if recovered.lower() != str(order["signer"]).lower() or recovered.lower() != (
            signer_address.lower()
        ):
            raise HttpError(400, {"error": "invalid signature"})
        signature_type = int(order["signatureType"])
        maker = str(order["maker"])
        if signature_type == 0 and maker.lower() != recovered.lower():
            raise HttpError(400, {"error": "invalid signature: maker must be the signer (EOA)"})
        funder = self.funders.get(recovered.lower())
        if signature_type in (1, 2) and funder is not None and funder.lower() != maker.lower():
            raise HttpError(400, {"error": "invalid signature: maker is not the signer's wallet"})
        if order_id in self.orders:
            raise HttpError(400, {"error": f"order {order_id} is invalid. Duplicated."})
        if market.closed or market.archived:
            raise HttpError(400, {"error": "market is closed"})
        if not market.accepting_orders or not market.active:
            raise HttpError(400, {"error": "the market is not yet ready to process new orders"})
        return self._place(
            api_key, order_id, order=order, market=market, order_type=body["orderType"], maker=maker
        )

    def _place(
        self,
        api_key: str,
        order_id: str,
        *,
        order: dict[str, Any],
        market: FakeMarket,
        order_type: str,
        maker: str,
    ) -> dict[str, Any]:
        side = order["side"]
        token = str(order["tokenId"])
        marketable = order_type in ("FOK", "FAK")
        shares, usdc, price = self._amounts(order_id, order, market, marketable=marketable)
        exchange = (NEG_RISK_EXCHANGE_V2 if market.neg_risk else EXCHANGE_V2).lower()
        if side == "BUY":
            balance = self.balances.get(maker.lower(), Decimal(0))
            allowance = self.allowances.get((maker.lower(), exchange), Decimal(0))
            if balance < usdc or allowance < usdc:
                raise HttpError(400, {"error": "not enough balance / allowance"})
        elif self.positions.get((maker.lower(), token), Decimal(0)) < shares:
            raise HttpError(400, {"error": "not enough balance / allowance"})
        book = self.asks[token] if side == "BUY" else self.bids[token]
        crossing = sorted(
            (
                o
                for o in book
                if o.owner != api_key and (o.price <= price if side == "BUY" else o.price >= price)
            ),
            key=lambda o: o.price if side == "BUY" else -o.price,
        )
        available = sum((o.size for o in crossing), Decimal(0))
        if order_type == "FOK" and available < shares:
            raise HttpError(
                400,
                {"error": "order couldn't be fully filled. FOK orders are fully filled or killed."},
            )
        if order_type == "FAK" and available <= 0:
            raise HttpError(
                400,
                {
                    "error": "no orders found to match with FAK order. FAK orders are partially "
                    "filled or killed if no match is found."
                },
            )
        now = int(time.time())
        outcome = dict(market.tokens)[token]
        record = OrderRecord(
            order_id, api_key, maker, market.condition_id, token, side,
            price.quantize(market.tick) if not marketable else price,
            shares, Decimal(0), order_type, "LIVE", outcome, now,
        )  # fmt: skip
        left = shares
        spent = Decimal(0)
        trade_ids, tx_hashes = [], []
        for bucket, resting in enumerate(crossing):
            if left <= 0:
                break
            take = min(left, resting.size)
            resting.size -= take
            if resting.size <= 0:
                book.remove(resting)
            left -= take
            spent += take * resting.price
            trade_id = self._next_id("trade")
            tx_hash = "0x" + keccak(text=trade_id).hex().removeprefix("0x")
            self._settle(
                trade_id, maker=maker, token=token, side=side, size=take, price=resting.price
            )
            self.trades.append(
                {
                    "id": trade_id,
                    "taker_order_id": order_id,
                    "market": market.condition_id,
                    "asset_id": token,
                    "side": side,
                    "size": self._units(take),
                    "fee_rate_bps": "0",
                    "price": fmt(resting.price),
                    "status": "MATCHED",
                    "match_time": str(now),
                    "last_update": str(now),
                    "outcome": outcome,
                    "bucket_index": bucket,
                    "owner": api_key,
                    "maker_address": maker,
                    "transaction_hash": tx_hash,
                    "trader_side": "TAKER",
                    "maker_orders": [
                        {
                            "order_id": resting.order_id,
                            "owner": resting.owner,
                            "maker_address": resting.maker_address,
                            "matched_amount": self._units(take),
                            "price": fmt(resting.price),
                            "fee_rate_bps": "0",
                            "asset_id": token,
                            "outcome": outcome,
                            "side": "SELL" if side == "BUY" else "BUY",
                        }
                    ],
                }
            )
            trade_ids.append(trade_id)
            tx_hashes.append(tx_hash)
        matched = shares - left
        record.matched = matched
        record.trades = list(trade_ids)
        if left <= 0 or marketable:
            record.status = "MATCHED"
        else:
            resting_book = self.bids[token] if side == "BUY" else self.asks[token]
            resting_book.append(BookOrder(order_id, record.price, left, api_key, maker))
        self.orders[order_id] = record
        status = "matched" if matched > 0 else "live"
        making, taking = (spent, matched) if side == "BUY" else (matched, spent)
        return {
            "success": True,
            "errorMsg": "",
            "orderID": order_id,
            "status": status,
            "makingAmount": fmt(making) if matched > 0 else "",
            "takingAmount": fmt(taking) if matched > 0 else "",
            "transactionsHashes": tx_hashes,
            "tradeIDs": trade_ids,
        }
