"""The chain source: followed wallets' fills read from the exchanges' logs, block by block.

Each poll, in this order, so that a kill at any point loses nothing and emits nothing twice:

1. The head is read; only blocks with ``confirmations`` blocks on top of them are read
   (``safe = head - confirmations``).
2. The newest block read before is read again: if its hash changed, the chain was reorganised
   deeper than the confirmations. The source goes back to the newest block it read whose hash
   still stands (it keeps the last ``history`` of them) and reads on from there; the
   transactions found again are the same intents (ids are per transaction) and are dropped
   as already handled.
3. The logs of ``[position, min(safe, position + max_range - 1)]`` whose maker is a watched
   address are read, decoded, checked against their block's hash and folded per
   transaction into trades (:mod:`.fold`); their markets come from :mod:`.tokens`.
4. Under the emitter's lock the trades become intents (deduplicated by id against what
   any source emitted), and the state, with the intents pending **and** the new position,
   is saved in one atomic write; then the intents are delivered.

A restart resumes at the saved position (``state.json``'s ``chain``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.polymarket_chain.fold import fold_fills
from adapters.polymarket_chain.logs import ChainFill, LogError, decode
from adapters.polymarket_chain.reader import Block, ChainError, ChainReader
from adapters.polymarket_chain.tokens import TokenDirectory, TokenError, TokenUnknown
from adapters.polymarket_data.client import MonitorStopped
from adapters.polymarket_data.emitter import Emitter
from adapters.polymarket_data.state import TraderState

DEFAULT_CONFIRMATIONS = 2
DEFAULT_CHAIN_INTERVAL_S = 1.0
DEFAULT_MAX_RANGE = 500
DEFAULT_HISTORY = 128


@dataclass(frozen=True)
class ChainSettings:
    """Which wallets, which contracts, and the reorg rule."""

    traders: tuple[str, ...]
    exchanges: tuple[str, ...]
    confirmations: int = DEFAULT_CONFIRMATIONS
    from_block: int | None = None  # the first start's first block; default: the next safe one
    max_range: int = DEFAULT_MAX_RANGE  # blocks per eth_getLogs
    history: int = DEFAULT_HISTORY  # block hashes kept to find where a reorg forked


@dataclass
class ChainStats:
    """What one poll did."""

    emitted: int = 0
    blocks: int = 0
    reorgs: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


class ChainSource:
    """Polls the chain for the followed wallets' fills and emits them through the emitter."""

    def __init__(
        self,
        reader: ChainReader,
        tokens: TokenDirectory,
        emitter: Emitter,
        settings: ChainSettings,
        *,
        seed: Callable[[str], TraderState],
        report: Callable[[str], None],
        stop: threading.Event,
    ) -> None:
        self.reader = reader
        self.tokens = tokens
        self.emitter = emitter
        self.settings = settings
        self.seed = seed
        self.report = report
        self.stop = stop
        self.owners: dict[str, str] | None = None
        self._said: set[str] = set()

    # -- the loop ---------------------------------------------------------------------------

    def run(self, *, interval: float = DEFAULT_CHAIN_INTERVAL_S, once: bool = False) -> ChainStats:
        """Deliver what is pending, then poll every ``interval`` seconds until stopped."""
        stats = ChainStats()
        try:
            self.emitter.flush_pending()
            while not self.stop.is_set():
                stats = self.poll_once()
                if once or self.stop.wait(interval):
                    break
        except MonitorStopped:
            pass
        return stats

    def poll_once(self) -> ChainStats:
        """Read every safe block not read yet (in ranges); a node error ends the poll."""
        stats = ChainStats()
        try:
            owners = self._owners()
            safe = self.reader.head() - self.settings.confirmations
            position = self._position(safe, stats)
            while position <= safe and not self.stop.is_set():
                last = min(safe, position + self.settings.max_range - 1)
                self._read_range(position, last, owners, stats)
                stats.blocks += last - position + 1
                position = last + 1
        except (ChainError, TokenError) as error:
            stats.errors.append(str(error))
            self._say(f"chain: {error}; trying again at the next poll")
        return stats

    # -- steps ------------------------------------------------------------------------------

    def _owners(self) -> dict[str, str]:
        """Watched address -> followed wallet: each wallet, its proxy wallet and its Safe."""
        if self.owners is None:
            owners: dict[str, str] = {}
            for trader in self.settings.traders:
                for address in self.reader.proxies(trader, self.settings.exchanges[0]):
                    owners.setdefault(address, trader)
            owners.update({t: t for t in self.settings.traders})  # a wallet followed is its own
            self.owners = owners
        return self.owners

    def _position(self, safe: int, stats: ChainStats) -> int:
        """The next block to read, after checking the last one read still stands."""
        chain = self.emitter.state.chain
        seen: list[list[Any]] = chain.get("seen", [])
        if "next_block" not in chain:
            first = self.settings.from_block
            start = safe + 1 if first is None else first
            with self.emitter.lock:
                chain["next_block"] = start
                self.emitter.store.save(self.emitter.state)
            return start
        if seen and self.reader.block(int(seen[-1][0])).hash != seen[-1][1]:
            stats.reorgs += 1
            fork = next(
                (int(n) + 1 for n, h in reversed(seen) if self.reader.block(int(n)).hash == h),
                int(seen[0][0]),
            )
            self.report(
                f"chain: reorganised below block {seen[-1][0]} (deeper than "
                f"{self.settings.confirmations} confirmations): reading again from block {fork}"
            )
            with self.emitter.lock:
                chain["seen"] = [s for s in seen if int(s[0]) < fork]
                chain["next_block"] = fork
                self.emitter.store.save(self.emitter.state)
        return int(chain["next_block"])

    def _read_range(self, first: int, last: int, owners: dict[str, str], stats: ChainStats) -> None:
        raw = self.reader.trade_logs(first, last, exchanges=self.settings.exchanges, makers=owners)
        blocks: dict[int, Block] = {}

        def block(number: int) -> Block:
            if number not in blocks:
                blocks[number] = self.reader.block(number)
            return blocks[number]

        fills: list[ChainFill] = []
        for entry in raw:
            try:
                fill = decode(entry)
            except LogError as error:
                stats.skipped += 1
                self._say(f"chain: skipped a log: {error}")
                continue
            if block(fill.block_number).hash != fill.block_hash:
                raise ChainError(f"block {fill.block_number} changed while it was read")
            fills.append(fill)

        def market_of(token: str) -> tuple[str, str] | None:
            try:
                return self.tokens.market_of(token)
            except TokenUnknown as error:  # no intent without its market: reported, left out
                stats.skipped += 1
                self._say(f"chain: skipped a trade: {error}")
                return None

        trades = fold_fills(
            fills, owner_of=owners, block_time=lambda n: block(n).timestamp, market_of=market_of
        )
        end = block(last)
        seeds = {t: self.seed(t) for t in trades if self.emitter.record(t) is None}
        with self.emitter.lock:
            intents: list[dict[str, Any]] = []
            for trader, found in trades.items():
                # no seed: the wallet had a record before the reads, so apply() will not use it
                seed = seeds.get(trader) or TraderState(floor=0, seeded_at=0)
                new, unusable, _changed = self.emitter.apply(
                    trader, found, seed=seed, watermark=True
                )
                intents += new
                stats.skipped += unusable
            chain = self.emitter.state.chain
            chain["next_block"] = last + 1
            seen = [*chain.get("seen", []), [end.number, end.hash]]
            chain["seen"] = seen[-self.settings.history :]
            chain["tokens"] = dict(self.tokens.known)
            self.emitter.commit(intents)  # write-ahead with the position, then delivered
        stats.emitted += len(intents)

    def _say(self, message: str) -> None:
        if message not in self._said:  # a poll every second repeats it: say it once
            self._said.add(message)
            self.report(message)


UNSEEDED = 2**62
"""``seeded_at`` of a wallet whose holdings could not be read: every trade's holding before it
is then unknown (no ``trader_position_before``), never a made-up zero."""


def tolerant_seed(
    seed: Callable[[str], TraderState],
    *,
    floor: Callable[[], int],
    report: Callable[[str], None],
    errors: tuple[type[Exception], ...],
) -> Callable[[str], TraderState]:
    """``seed``, or, when it raises one of ``errors``, a record that knows no holdings (its
    first window starts at ``floor()``)."""

    def seeded(trader: str) -> TraderState:
        try:
            return seed(trader)
        except errors as error:
            report(f"{trader}: holdings unknown ({error}); its intents carry no position before")
            return TraderState(floor=floor(), seeded_at=UNSEEDED)

    return seeded
