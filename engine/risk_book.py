"""The risk book an Agent keeps so its limits read one aggregate: orders placed per day, open
commitments (a buy's notional not yet spent, a sell's size not yet sold), holdings cost per
token, realised PnL and fees, and the last mark of each token. ``RiskBook`` is the Agent's
commands and read side (its events stay nested in ``Agent``, so their topics do not change);
the ``fold_*`` functions are what those events do to it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.values import Side


class RiskBook:
    """The Agent's risk book: the commands that book orders, fills and settlements into it,
    its state (set by the Agent's events) and what the limits read from it."""

    if TYPE_CHECKING:
        trade_day: str
        trades_on_day: int
        commitments: dict[str, Decimal]
        committed_markets: dict[str, str]
        selling: dict[str, dict[str, Any]]
        holdings: dict[str, dict[str, Any]]
        marks: dict[str, Decimal]
        realised_pnl: Decimal
        fees: Decimal
        consecutive_failures: int
        OrderCommitted: type[Any]
        FillBooked: type[Any]
        FillReversed: type[Any]
        CommitmentReleased: type[Any]
        PositionSettledBooked: type[Any]

        def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
            """The aggregate's own (``eventsourcing``)."""

    def commit_order(
        self,
        *,
        order_id: str,
        day: str,
        market_id: str,
        token_id: str,
        side: Side,
        size: Decimal,
        notional: Decimal,
        mark: Decimal | None,
        at: datetime,
    ) -> None:
        """Book a placed order against the agent's limits."""
        self.trigger_event(
            self.OrderCommitted,
            order_id=order_id,
            day=day,
            market_id=market_id,
            token_id=token_id,
            side=side.value,
            size=size,
            notional=notional,
            mark=mark,
            timestamp=at,
        )

    def book_fill(
        self,
        *,
        order_id: str,
        market_id: str,
        token_id: str,
        side: Side,
        size: Decimal,
        price: Decimal,
        fee: Decimal,
        cost_change: Decimal,
        realised_pnl: Decimal,
        at: datetime,
    ) -> None:
        """Book a fill into the holdings and PnL."""
        self.trigger_event(
            self.FillBooked,
            order_id=order_id,
            market_id=market_id,
            token_id=token_id,
            side=side.value,
            size=size,
            price=price,
            fee=fee,
            cost_change=cost_change,
            realised_pnl=realised_pnl,
            timestamp=at,
        )

    def book_settlement(
        self,
        *,
        venue: str,
        market_id: str,
        token_id: str,
        size: Decimal,
        price: Decimal,
        cost: Decimal,
        payout: Decimal,
        realised_pnl: Decimal,
        at: datetime,
    ) -> None:
        """Book a settled position: its holding leaves the book, its PnL is realised."""
        self.trigger_event(
            self.PositionSettledBooked,
            venue=venue,
            market_id=market_id,
            token_id=token_id,
            size=size,
            price=price,
            cost=cost,
            payout=payout,
            realised_pnl=realised_pnl,
            timestamp=at,
        )

    def reverse_fill(
        self,
        *,
        order_id: str,
        market_id: str,
        token_id: str,
        size_change: Decimal,
        cost_change: Decimal,
        realised_pnl_change: Decimal,
        fee_change: Decimal,
        at: datetime,
    ) -> None:
        """Undo a voided fill in the risk book."""
        self.trigger_event(
            self.FillReversed,
            order_id=order_id,
            market_id=market_id,
            token_id=token_id,
            size_change=size_change,
            cost_change=cost_change,
            realised_pnl_change=realised_pnl_change,
            fee_change=fee_change,
            timestamp=at,
        )

    def release_commitment(self, *, order_id: str, at: datetime) -> None:
        """Free what a finished order had not spent."""
        if order_id in self.commitments or order_id in self.selling:
            self.trigger_event(self.CommitmentReleased, order_id=order_id, timestamp=at)

    def selling_size(self, token_id: str) -> Decimal:
        """Shares of a token that open sell orders may still sell."""
        return sum(
            (s["size"] for s in self.selling.values() if s["token_id"] == token_id), Decimal(0)
        )

    def trades_today(self, day: str) -> int:
        """Orders placed on ``day`` (YYYY-MM-DD, UTC)."""
        return self.trades_on_day if self.trade_day == day else 0

    def market_cost(self, market_id: str) -> Decimal:
        """Cost of what the agent holds in one market (every outcome of it), plus what its open
        buys there may still spend."""
        held = sum(
            (h["cost"] for h in self.holdings.values() if h["market_id"] == market_id),
            Decimal(0),
        )
        committed = sum(
            (
                notional
                for order_id, notional in self.commitments.items()
                if self.committed_markets.get(order_id) == market_id
            ),
            Decimal(0),
        )
        return held + committed

    def deployed(self) -> Decimal:
        """Cost of all holdings plus open buy commitments: what the budget limits."""
        held = sum((h["cost"] for h in self.holdings.values()), Decimal(0))
        return held + sum(self.commitments.values(), Decimal(0))

    def marked_pnl(self) -> Decimal:
        """Unrealised PnL of the holdings at the last marks the agent recorded (cost if none)."""
        total = Decimal(0)
        for token_id in sorted(self.holdings):
            holding = self.holdings[token_id]
            mark = self.marks.get(token_id)
            if mark is not None:
                total += holding["size"] * mark - holding["cost"]
        return total


def _holding(book: Any, token_id: str, market_id: str) -> dict[str, Any]:
    holding: dict[str, Any] = book.holdings.setdefault(
        token_id, {"market_id": market_id, "size": Decimal(0), "cost": Decimal(0)}
    )
    return holding


def fold_order_committed(book: Any, event: Any) -> None:
    """An order placed counts for its day; a buy commits its notional, a sell its size."""
    if book.trade_day != event.day:
        book.trade_day = event.day
        book.trades_on_day = 0
    book.trades_on_day += 1
    if event.side == Side.BUY.value:
        book.commitments[event.order_id] = event.notional
        book.committed_markets[event.order_id] = event.market_id
    else:
        book.selling[event.order_id] = {"token_id": event.token_id, "size": event.size}
    if event.mark is not None:
        book.marks[event.token_id] = event.mark


def fold_fill_booked(book: Any, event: Any) -> None:
    """A fill moves the holding and spends (or sells) part of its order's commitment."""
    holding = _holding(book, event.token_id, event.market_id)
    signed = event.size if event.side == Side.BUY.value else -event.size
    holding["size"] += signed
    holding["cost"] += event.cost_change
    if holding["size"] == 0:
        del book.holdings[event.token_id]
    if event.order_id in book.commitments:
        left = book.commitments[event.order_id] - event.price * event.size
        book.commitments[event.order_id] = max(left, Decimal(0))
    if event.order_id in book.selling:
        selling = book.selling[event.order_id]
        selling["size"] = max(selling["size"] - event.size, Decimal(0))
    book.realised_pnl += event.realised_pnl
    book.fees += event.fee
    book.consecutive_failures = 0


def fold_fill_reversed(book: Any, event: Any) -> None:
    """A voided fill's changes to the holding, PnL and fees are undone."""
    book.fees += event.fee_change
    holding = _holding(book, event.token_id, event.market_id)
    holding["size"] += event.size_change
    holding["cost"] += event.cost_change
    if holding["size"] <= 0:
        del book.holdings[event.token_id]
    book.realised_pnl += event.realised_pnl_change


def fold_settlement(book: Any, event: Any) -> None:
    """A settled holding leaves the book; its PnL is realised."""
    holding = book.holdings.get(event.token_id)
    if holding is not None:
        holding["size"] -= event.size
        holding["cost"] -= event.cost
        if holding["size"] == 0:
            del book.holdings[event.token_id]
    book.realised_pnl += event.realised_pnl
