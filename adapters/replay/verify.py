"""``tape replay --verify``: re-run a store's recorded inputs through a fresh engine and
compare every event it produces with the recorded one, byte for byte.

Inputs are what came from outside: intents as received (and redelivered), the market events
strategies saw (given to the strategies again; what they make of them is compared), unreadable
lines, agents and their rules, the operator's switches, the books each decision used (recorded
in its verdict), the venues' answers (acceptance, rejection, fills, provisional fills confirmed or
voided, cancels, expiries, calls without an answer) and market resolutions, each at its
recorded time (fed by ``adapters/replay/feeding.py``). Everything else is the engine's to
produce: verdicts, orders, positions, the risk book, halts. The first event that differs, or that
the engine does not produce, is the divergence.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import date

from adapters.replay.feeding import InputFeeder
from adapters.replay.inputs import Lookahead, owners_of
from adapters.replay.log import StoredEvent, stored_events
from adapters.replay.outcome import Divergence, VerifyResult
from adapters.replay.produced import Produced
from engine.application import TapeApplication
from projections.digest import DigestBuilder, decision_digest

__all__ = ["Replayer", "verify"]


class Replayer(InputFeeder):
    """Drives a fresh engine with the recorded inputs (``adapters/replay/feeding.py``),
    comparing as it goes."""

    def __init__(
        self,
        recorded: TapeApplication,
        *,
        agent: str | None = None,
        until: date | None = None,
    ) -> None:
        super().__init__(agent=agent)
        self.recorded = recorded
        self.until = until
        self.digest = DigestBuilder()  # of the recorded log, as it is read
        self.read_whole_log = False

    def run(self) -> VerifyResult:
        """Replay the whole record."""
        result = VerifyResult()
        pending: deque[StoredEvent] = deque()  # produced by the replay, not yet compared
        recorded = Lookahead(self._recorded_events())
        produced = Produced(self.engine)
        # Group commit: the replay's store is scratch, and what each step produced is taken
        # as it ends (adapters/replay/produced.py), not read back from the store.
        with self.engine.group_commit():
            while (expected := recorded.peek()) is not None:
                if not pending:
                    note = self.feed(expected, recorded)
                    if note:
                        result.divergence = Divergence(expected.position, expected, None, note)
                        break
                    pending.extend(produced.take())
                    if not pending:
                        note = f"the engine produced nothing for recorded {expected.name}"
                        result.divergence = Divergence(expected.position, expected, None, note)
                        break
                actual = pending.popleft()
                recorded.next()
                if not expected.same_as(actual):
                    note = f"{expected.name} differs from the replay's {actual.name}"
                    if self.last_input:
                        note += f", after {self.last_input}"
                    result.divergence = Divergence(expected.position, expected, actual, note)
                    break
                result.compared += 1
            else:
                if pending:
                    extra = pending[0]
                    result.divergence = Divergence(
                        -1, None, extra, f"the replay produced {extra.name} that was never recorded"
                    )
        self.engine.commit()
        result.inputs = self.inputs
        if self.read_whole_log:
            result.recorded_digest = self.digest.digest().hexdigest
        else:  # stopped early (a divergence, or --until): the rest of the log was not read
            result.recorded_digest = decision_digest(self.recorded).hexdigest
        if result.ok and self.agent is None and self.until is None:
            # Every event the digest covers was compared to the byte with the record (the
            # reconciliation records it leaves out are the ones replay skips), so the replayed
            # log's digest is the recorded one: a second pass over the replay's store would
            # only say so again.
            result.replayed_digest = result.recorded_digest
        else:
            result.replayed_digest = decision_digest(self.app).hexdigest
        self.close()
        return result

    def _recorded_events(self) -> Iterator[StoredEvent]:
        owners = owners_of(self.recorded) if self.agent is not None else {}
        recorded = self.recorded
        # The recorded log's digest is folded as the log is read, not read again after.
        for stored in stored_events(recorded, observe=lambda item: self.digest.add(recorded, item)):
            if self.until is not None and stored.event.timestamp.date() > self.until:
                return
            if self.agent is None or owners.get(stored.originator_id) == self.agent:
                yield stored
        self.read_whole_log = True


def verify(
    recorded: TapeApplication, *, agent: str | None = None, until: date | None = None
) -> VerifyResult:
    """Replay a store's record (one agent's, up to the end of a day) and compare."""
    return Replayer(recorded, agent=agent, until=until).run()
