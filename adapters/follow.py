"""``tape follow``: the copy monitor and the engine in one process, with the guarantees each
has alone.

The monitor (keyless: the public Data API) runs in a supervised thread and writes each new
trade as an intent into ``$TAPE_HOME/follow/intents.jsonl`` (written ahead in its state,
fsynced, emitted once across restarts). The engine runs in the main thread and tails that file
as ``tape ingest --follow`` does (the offset committed after each line is recorded and decided;
a line read again is a redelivery, never traded twice). Between lines it does the housekeeping
a live desk needs: fills of resting orders (``PollVenue``), the cancels of halted and reducing
agents (``adapters/control/cancels.py`` ``sweep``), and resolutions of the markets held
(``adapters/resolutions``). A SIGKILL at any moment loses nothing: the monitor's state, the
file and the store each resume where they were made durable.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from adapters.control.cancels import sweep
from adapters.control.holdings import open_orders
from adapters.intent_tail import IntentTail, ingest_following
from adapters.resolutions.poller import ResolutionPoller
from engine.service import TradingEngine

FEED = "follow"


class Supervised:
    """Runs ``target()`` in a daemon thread until ``stop`` is set; a target that raises is
    reported in one line and started again after a pause that doubles up to ``cap`` seconds
    (a target that returns while ``stop`` is unset is started again at once)."""

    def __init__(
        self,
        name: str,
        target: Callable[[], object],
        *,
        stop: threading.Event,
        report: Callable[[str], None],
        first_delay: float = 1.0,
        cap: float = 60.0,
    ) -> None:
        self.name = name
        self.target = target
        self.stop = stop
        self.report = report
        self.first_delay = first_delay
        self.cap = cap
        self.failures = 0
        self.thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Supervised:
        """Start the thread."""
        self.thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end (after ``stop``)."""
        self.thread.join(timeout)

    def _loop(self) -> None:
        delay = self.first_delay
        while not self.stop.is_set():
            try:
                self.target()
                delay = self.first_delay
            except Exception as error:  # supervised: one line, a pause, again
                self.failures += 1
                self.report(
                    f"{self.name} failed ({type(error).__name__}: {error}); "
                    f"restarting in {delay:g} s"
                )
                self.stop.wait(delay)
                delay = min(delay * 2, self.cap)


@dataclass
class FollowLoop:
    """The engine's side of ``tape follow``: intents from the tail, then housekeeping every
    ``housekeeping_s`` seconds, until ``stop``."""

    engine: TradingEngine
    tail: IntentTail
    agents: list[str]
    poller: ResolutionPoller | None
    stop: threading.Event
    report: Callable[[str], None]
    poll_s: float = 0.2
    housekeeping_s: float = 5.0
    resolve_s: float = 30.0
    receipts: Counter[str] = field(default_factory=Counter)

    def run(self) -> Counter[str]:
        """Until ``stop``: take in what the monitor wrote, and keep the desk."""
        next_chores = next_resolve = 0.0
        while not self.stop.is_set():
            self.receipts += ingest_following(
                self.engine,
                self.tail,
                feed=FEED,
                stop=self.stop,
                report=self.report,
                follow=False,
            )
            now = time.monotonic()
            if now >= next_chores:
                self._guarded("orders", self.chores)
                next_chores = now + self.housekeeping_s
            if self.poller is not None and now >= next_resolve:
                self._guarded("resolutions", self.poller.poll_once)
                next_resolve = now + self.resolve_s
            for agent, error in self.engine.take_breaker_trips():
                self.report(f"circuit breaker tripped: {agent} halted ({error})")
            self.stop.wait(self.poll_s)
        return self.receipts

    def chores(self) -> None:
        """Fills of resting orders, and the cancels halted and reducing agents still owe."""
        if not self.engine.has_open_orders:
            return
        venues = {o.venue for o in open_orders(self.engine.app, ids=self.engine.open_orders)}
        for venue in sorted(venues):
            if venue in self.engine.venues:
                self.engine.poll_venue(venue)
        for agent, done in sweep(self.engine, self.agents).items():
            self.report(f"{agent}: resting orders: {done}")

    def _guarded(self, what: str, chore: Callable[[], object]) -> None:
        try:
            chore()
        except Exception as error:  # a venue that fails now is asked again next time
            self.report(f"{what}: {type(error).__name__}: {error}")
