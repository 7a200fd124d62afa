"""Nothing of a trade lost: fills of a transaction that show up in the Data API after its
intent went out become follow-up intents (``copy:<tx>:<token>:<side>:<n>``) for the shares not
yet copied, never twice, also when the monitor is SIGKILLed between (and during) polls."""

from __future__ import annotations

import random
import signal
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.polymarket_data import (
    Backoff,
    DataApiClient,
    FileSink,
    Monitor,
    MonitorSettings,
    StateStore,
    fold,
    parse_fill,
)
from adapters.polymarket_data.state import Handled, TraderState
from tests.fake_data_api import FakeDataApi, serve_fake, trade_row
from tests.test_monitor import TAPE, Reports, monitor_env, read_intents
from tests.waiting import wait_until

WALLET = "0x" + "5a" * 20
TOKEN = "71321045679252212594626385532706912750332728571942532289631379312455583992563"  # noqa: S105


def tx(n: int) -> str:
    """A transaction hash."""
    return "0x" + f"{n:02x}" * 32


def a_fill(n: int, size: float, price: float, timestamp: int, side: str = "BUY") -> dict[str, Any]:
    """One TRADE row of transaction ``n``."""
    return trade_row(WALLET, tx_hash=tx(n), asset=TOKEN, side=side, size=size, price=price,
                     timestamp=timestamp)  # fmt: skip


def in_process_monitor(url: str, tmp_path: Path, *, agent: str | None = None) -> Monitor:
    """A monitor in this process whose seed lies before every trade of the test."""
    client = DataApiClient(url, backoff=Backoff(base=0.01, attempts=3))
    return Monitor(
        client,
        StateStore(tmp_path / "state"),
        FileSink(tmp_path / "out.jsonl"),
        MonitorSettings(traders=(WALLET,), agent=agent, overlap_s=3600, since=0),
        report=Reports(),
        clock=lambda: 1_000,
    )


def test_fills_that_show_up_late_become_a_follow_up_for_the_shares_not_yet_copied(
    tmp_path: Path,
) -> None:
    api = FakeDataApi()
    api.add_rows(WALLET, [a_fill(1, 100, 0.5, 2_000)])
    with serve_fake(api) as fake:
        monitor = in_process_monitor(fake.url, tmp_path)
        monitor.poll_once()
        api.add_rows(WALLET, [a_fill(1, 300, 0.6, 2_000), a_fill(1, 100, 0.7, 2_000)])
        monitor.poll_once()
        monitor.poll_once()  # nothing new: nothing emitted
        api.add_rows(WALLET, [a_fill(1, 50, 0.4, 2_000)])
        monitor.poll_once()

    intents = read_intents(tmp_path / "out.jsonl")
    base = f"copy:{tx(1)}:{TOKEN}:BUY"
    assert [(i["intent_id"], i["size"], i["price"]) for i in intents] == [
        (base, "100", "0.5"),
        (f"{base}:1", "400", "0.625"),  # (300 x 0.6 + 100 x 0.7) / 400
        (f"{base}:2", "50", "0.4"),
    ]
    assert all("agent" not in i for i in intents)  # signals: every follower decides them
    assert [i["source"]["trader_position_before"] for i in intents] == ["0", "100", "500"]


def test_a_state_written_before_late_parts_is_read_and_continued() -> None:
    old = {"floor": 0, "seeded_at": 0, "watermark": 5, "holdings": {},
           "handled": {"copy:x:1:BUY": [5, "10"]}}  # fmt: skip
    record = TraderState.from_json(old)
    assert record.handled["copy:x:1:BUY"] == Handled(5, Decimal(10), 0, None)
    assert TraderState.from_json(record.to_json()) == record


def test_every_share_is_copied_exactly_once_through_kills_while_fills_trickle_in(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261201)
    now = int(time.time())
    # Eight transactions, each of 2 to 5 fills, revealed over four stages in random pieces.
    fills: list[list[dict[str, Any]]] = [[] for _ in range(4)]
    for n in range(1, 9):
        side = rng.choice(["BUY", "SELL"])
        stamp = now - 600 + n
        for _ in range(rng.randint(2, 5)):
            row = a_fill(n, rng.randint(1, 400) + rng.choice([0, 0.25, 0.5]),
                         rng.choice([0.31, 0.42, 0.55, 0.63]), stamp, side)  # fmt: skip
            fills[rng.randrange(4)].append(row)
    api = FakeDataApi()
    out, home = tmp_path / "intents.jsonl", tmp_path / "home"
    with serve_fake(api) as fake:
        args = [*TAPE, "monitor", "--follow", WALLET, "--out", str(out), "--since", "0",
                "--interval", "0.02", "--overlap", "3600", "--backoff-base", "0.01"]  # fmt: skip
        env = monitor_env(fake.url, home)
        for stage in fills:
            api.add_rows(WALLET, stage)
            asked = len(api.requests)
            process = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
            # at least one whole poll after the new fills, then killed at a random moment
            wait_until(lambda asked=asked: _activity_polls(api, asked) >= 2, timeout=30)
            time.sleep(rng.uniform(0, 0.1))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            assert process.stderr is not None
            assert "Traceback" not in process.stderr.read()
            process.stderr.close()
        final = subprocess.run([*args, "--once"], env=env, capture_output=True, text=True,
                               timeout=60, check=False)  # fmt: skip
        assert final.returncode == 0, final.stderr

    intents = read_intents(out)
    ids = Counter(i["intent_id"] for i in intents)
    assert [k for k, n in ids.items() if n > 1] == []
    copied: dict[str, Decimal] = defaultdict(Decimal)
    worth: dict[str, Decimal] = defaultdict(Decimal)
    parts: dict[str, list[int]] = defaultdict(list)
    for intent in intents:
        base, _, part = intent["intent_id"].partition(f":{intent['side']}")
        key = base + f":{intent['side']}"
        parts[key].append(int(part.lstrip(":") or 0))
        copied[key] += Decimal(intent["size"])
        worth[key] += Decimal(intent["size"]) * Decimal(intent["price"])
    every = [parse_fill(r) for r in api.trade_rows(WALLET)]
    trades = {t.intent_id: t for t in fold(f for f in every if f is not None)}
    assert copied == {k: t.size for k, t in trades.items()}  # every share, once
    for key, trade in trades.items():
        assert parts[key] == list(range(len(parts[key])))  # parts 0, 1, 2... in order
        assert abs(worth[key] - trade.price * trade.size) < Decimal("0.000001")
    assert any(len(p) > 1 for p in parts.values())  # fills really did arrive late


def _activity_polls(api: FakeDataApi, since: int) -> int:
    with api.lock:
        return sum(1 for path, _ in api.requests[since:] if path == "/activity")


@settings(max_examples=15, deadline=None)
@given(
    orders=st.lists(
        st.lists(
            st.tuples(
                st.integers(1, 5000).map(lambda n: n / 4),  # shares, to the quarter
                st.sampled_from([0.11, 0.25, 0.5, 0.73, 0.99]),
                st.integers(0, 3),  # the poll that first shows the fill
            ),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_whatever_poll_each_fill_shows_up_in_every_share_is_copied_once_at_its_price(
    orders: list[list[tuple[float, float, int]]],
) -> None:
    folder = Path(tempfile.mkdtemp())
    stages: list[list[dict[str, Any]]] = [[] for _ in range(4)]
    for n, fills in enumerate(orders, start=1):
        for size, price, poll in fills:
            stages[poll].append(a_fill(n, size, price, 2_000 + n))
    api = FakeDataApi()
    with serve_fake(api) as fake:
        for stage in stages:
            api.add_rows(WALLET, stage)
            in_process_monitor(fake.url, folder).poll_once()  # a new process each time
    intents = read_intents(folder / "out.jsonl")
    assert len({i["intent_id"] for i in intents}) == len(intents)
    for n, fills in enumerate(orders, start=1):
        mine = [i for i in intents if i["source"]["tx_hash"] == tx(n)]
        shares = sum(Decimal(i["size"]) for i in mine)
        worth = sum(Decimal(i["size"]) * Decimal(i["price"]) for i in mine)
        assert shares == sum(Decimal(repr(s)) for s, _, _ in fills)
        expected = sum(Decimal(repr(s)) * Decimal(repr(p)) for s, p, _ in fills)
        assert abs(worth - expected) < Decimal("0.000001")
        parts = sorted(int(i["intent_id"].rsplit(":", 1)[1]) if i["intent_id"].count(":") == 4
                       else 0 for i in mine)  # fmt: skip
        assert parts == list(range(len(mine)))
