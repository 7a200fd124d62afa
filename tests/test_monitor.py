"""``tape monitor`` against a fake Data API on loopback serving the real recorded responses."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

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
from cli.main import cli
from engine.values import dec_str
from tests.fake_data_api import (
    DEEDDIT,
    KCH123,
    FakeDataApi,
    RunningFake,
    fixture_api,
    load_fixture_rows,
    serve_fake,
    trade_row,
)

REPO = Path(__file__).resolve().parent.parent
TAPE = [sys.executable, "-m", "cli.main"]
NOW = 1_790_000_000  # 2026-09-21: after every fixture trade
MARKET = "0x0044717447f885ed54508627145cbf1ac113566c79af55428175f6d0c776949c"
DUCKS = "31580298928034717121287201018973507946553544207612680382558768593005033869136"
OILERS = "23834926535141172445445793018150793472721666534289369958790902744899333781511"
HELD = "76626937605855383085159195963889428951048025160807952406004049979161449392204"
FOLDED_TX = "0x" + "f0" * 32


@pytest.fixture
def fake() -> Iterator[RunningFake]:
    """The fake Data API with every real fixture loaded."""
    with serve_fake(fixture_api()) as running:
        yield running


class Reports(list[str]):
    """Collects the monitor's one-line reports."""

    def __call__(self, message: str) -> None:
        self.append(message)


def make_monitor(
    url: str,
    state: Path,
    out: Path,
    traders: tuple[str, ...],
    *,
    since: int | None = None,
    overlap_s: int = 300,
    now: float = NOW,
    page_limit: int = 4,
    reports: Reports | None = None,
) -> Monitor:
    """A monitor in this process, on a fixed clock, with small pages and fast backoff."""
    client = DataApiClient(url, backoff=Backoff(base=0.01, attempts=4), page_limit=page_limit)
    return Monitor(
        client,
        StateStore(state),
        FileSink(out),
        MonitorSettings(traders=traders, agent="follow-whales", overlap_s=overlap_s, since=since),
        report=reports if reports is not None else Reports(),
        clock=lambda: now,
    )


def read_intents(path: Path) -> list[dict[str, Any]]:
    """Every line of an intent file, decoded."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def expected_trades(api: FakeDataApi, wallet: str) -> dict[str, Any]:
    """intent id -> folded trade, for every TRADE row the fake holds for a wallet."""
    fills = [parse_fill(r) for r in api.trade_rows(wallet)]
    return {t.intent_id: t for t in fold(f for f in fills if f is not None)}


def shares(value: float) -> str:
    """A float size as the monitor writes it: 6 decimals (token units), no trailing zeros."""
    return format(
        Decimal(repr(value)).quantize(Decimal("0.000001"), ROUND_HALF_EVEN).normalize(), "f"
    )


def test_fixture_trades_become_intents_field_by_field(fake: RunningFake, tmp_path: Path) -> None:
    api = fake.api
    api.ignore_type_filter = True  # the API returns every type: the monitor must skip non-TRADEs
    api.add_rows(
        KCH123,
        [
            trade_row(KCH123, tx_hash=FOLDED_TX, asset=OILERS, side="BUY", size=10, price=0.22,
                      timestamp=1777091500, outcome="Oilers", condition_id=MARKET),
            trade_row(KCH123, tx_hash=FOLDED_TX, asset=OILERS, side="BUY", size=20.5, price=0.23,
                      timestamp=1777091500, outcome="Oilers", condition_id=MARKET),
            trade_row(KCH123, tx_hash=FOLDED_TX, asset=OILERS, side="BUY", size=30.000001,
                      price=0.2250000001, timestamp=1777091500, outcome="Oilers",
                      condition_id=MARKET),
            trade_row(KCH123, tx_hash=FOLDED_TX, asset=DUCKS, side="SELL", size=5, price=0.78,
                      timestamp=1777091500, outcome="Ducks", condition_id=MARKET),
        ],
    )  # fmt: skip
    out = tmp_path / "intents.jsonl"
    monitor = make_monitor(fake.url, tmp_path / "state", out, (KCH123, DEEDDIT), since=0)

    stats = monitor.poll_once()

    intents = read_intents(out)
    by_id = {i["intent_id"]: i for i in intents}
    assert len(by_id) == len(intents) == stats.emitted
    # One exact intent, every field.
    assert by_id[
        "copy:0x9dd247e60766470f2bd031529ad78ad72c1bfd979a783c811077f437593d97bd:" + DUCKS + ":BUY"
    ] == {
        "schema": "tape.intent/1",
        "intent_id": "copy:0x9dd247e60766470f2bd031529ad78ad72c1bfd979a783c811077f437593d97bd:"
        + DUCKS
        + ":BUY",
        "agent": "follow-whales",
        "venue": "polymarket",
        "market_id": MARKET,
        "token_id": DUCKS,
        "outcome": "Ducks",
        "side": "BUY",
        "price": "0.860000001148",
        "size": "714.285713",
        "created_at": "2026-04-25T04:39:38Z",
        "source": {
            "kind": "copy",
            "trader": KCH123,
            "tx_hash": "0x9dd247e60766470f2bd031529ad78ad72c1bfd979a783c811077f437593d97bd",
        },
    }
    # Float noise in sizes is dropped at the token's 6 decimals; prices keep 12 decimals.
    noisy = by_id[
        "copy:0x3cbc9208f0e8cef03712e573e6841297b336feb59b03123c047ceacc37a43330:" + DUCKS + ":BUY"
    ]
    assert (noisy["size"], noisy["price"]) == ("2538.26612", "0.794650469851")
    # Every real TRADE row is one intent, field by field; no other row type is.
    activity, _ = load_fixture_rows()
    for wallet in (KCH123, DEEDDIT):
        rows = activity[wallet]
        trades = [r for r in rows if r["type"] == "TRADE"]
        for row in trades:
            intent = by_id[f"copy:{row['transactionHash']}:{row['asset']}:{row['side']}"]
            assert intent["token_id"] == row["asset"]
            assert intent["outcome"] == row["outcome"]
            assert intent["market_id"] == row["conditionId"]
            assert intent["side"] == row["side"]
            assert intent["size"] == shares(row["size"])
            assert Decimal(intent["price"]) == Decimal(repr(row["price"])).quantize(
                Decimal("1e-12"), ROUND_HALF_EVEN
            )
            assert intent["created_at"] == time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(row["timestamp"])
            )
            assert intent["source"] == {
                "kind": "copy",
                "trader": wallet,
                "tx_hash": row["transactionHash"],
            }  # no trader_position_before: these trades are older than the positions seed
        skipped = {r["transactionHash"] for r in rows if r["type"] != "TRADE"}
        assert not [i for i in intents if i["source"]["tx_hash"] in skipped]
    assert len(intents) == 10 + 42 + 2  # kch123, DEEDDIT, and the constructed transaction
    assert Counter(r["type"] for r in activity[DEEDDIT])["REDEEM"] == 17  # all ignored
    # Both outcomes of one market, each its own token; BUY/SELL never turned into Yes/No.
    in_market = {(i["token_id"], i["outcome"]) for i in intents if i["market_id"] == MARKET}
    assert in_market == {(DUCKS, "Ducks"), (OILERS, "Oilers")}
    # Three fills of one order (transaction, token, side) fold into one intent.
    folded = by_id[f"copy:{FOLDED_TX}:{OILERS}:BUY"]
    total = Decimal("10") + Decimal("20.5") + Decimal("30.000001")
    vwap = (
        Decimal("10") * Decimal("0.22")
        + Decimal("20.5") * Decimal("0.23")
        + Decimal("30.000001") * Decimal("0.2250000001")
    ) / total
    assert folded["size"] == "60.500001"
    assert Decimal(folded["price"]) == vwap.quantize(Decimal("1e-12"), ROUND_HALF_EVEN)
    assert folded["price"] == "0.22586776863"
    assert by_id[f"copy:{FOLDED_TX}:{DUCKS}:SELL"]["size"] == "5"
    # The window was paged by time (small pages), and nothing was read twice.
    assert any("end" in q for p, q in api.requests if p == "/activity")


@pytest.mark.parametrize("exclusive", [False, True], ids=["inclusive", "exclusive"])
def test_paging_reads_every_trade_once_whatever_the_bounds_and_page_size(
    fake: RunningFake, tmp_path: Path, exclusive: bool
) -> None:
    fake.api.exclusive_bounds = exclusive
    same_second = [
        trade_row(DEEDDIT, tx_hash=f"0x{n:064x}", asset="9", side="BUY", size=1, price=0.5,
                  timestamp=1784055000)
        for n in range(1, 8)
    ]  # fmt: skip  # more trades in one second than a page holds
    fake.api.add_rows(DEEDDIT, same_second)
    out = tmp_path / "out.jsonl"
    make_monitor(fake.url, tmp_path / "s", out, (DEEDDIT,), since=0, page_limit=3).poll_once()
    ids = [i["intent_id"] for i in read_intents(out)]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(expected_trades(fake.api, DEEDDIT))
    assert len(ids) == 42 + 7


def test_holdings_are_seeded_from_positions_and_move_with_each_new_trade(
    fake: RunningFake, tmp_path: Path
) -> None:
    api, out, state = fake.api, tmp_path / "out.jsonl", tmp_path / "state"
    first = make_monitor(fake.url, state, out, (KCH123,))
    first.poll_once()
    assert read_intents(out) == []  # no --since: the history before the start is not copied
    api.add_rows(
        KCH123,
        [
            trade_row(KCH123, tx_hash="0x" + "a1" * 32, asset=HELD, side="SELL", size=1000,
                      price=0.9, timestamp=NOW + 10, outcome="No"),
            trade_row(KCH123, tx_hash="0x" + "a2" * 32, asset=HELD, side="BUY", size=500.5,
                      price=0.91, timestamp=NOW + 20, outcome="No"),
            trade_row(KCH123, tx_hash="0x" + "a3" * 32, asset="123", side="BUY", size=5,
                      price=0.5, timestamp=NOW + 20),
        ],
    )  # fmt: skip

    make_monitor(fake.url, state, out, (KCH123,)).poll_once()  # a restart in between

    before = {
        i["source"]["tx_hash"]: i["source"]["trader_position_before"] for i in read_intents(out)
    }
    assert before == {
        "0x" + "a1" * 32: "271790.1",  # the /positions seed
        "0x" + "a2" * 32: "270790.1",  # after the sell of 1000
        "0x" + "a3" * 32: "0",  # a token it did not hold
    }  # fmt: skip
    make_monitor(fake.url, state, out, (KCH123,)).poll_once()
    assert len(read_intents(out)) == 3  # nothing emitted twice across restarts


def test_a_late_trade_inside_the_overlap_window_is_emitted_once(
    fake: RunningFake, tmp_path: Path
) -> None:
    api, out, state = fake.api, tmp_path / "out.jsonl", tmp_path / "state"
    monitor = make_monitor(fake.url, state, out, (KCH123,), overlap_s=60)
    monitor.poll_once()
    late = trade_row(KCH123, tx_hash="0x" + "b1" * 32, asset="7", side="BUY", size=3,
                     price=0.4, timestamp=NOW + 30)  # fmt: skip
    api.add_rows(KCH123, [late], delay_s=0.4)
    newer = trade_row(KCH123, tx_hash="0x" + "b2" * 32, asset="7", side="BUY", size=4,
                      price=0.4, timestamp=NOW + 50)  # fmt: skip
    api.add_rows(KCH123, [newer])
    monitor.poll_once()
    assert [i["size"] for i in read_intents(out)] == ["4"]
    deadline = time.monotonic() + 10
    while sorted(i["size"] for i in read_intents(out)) != ["3", "4"]:
        assert time.monotonic() < deadline, "the late row was never copied"
        time.sleep(0.05)  # the feed shows the late row 0.4 s after it was added
        monitor.poll_once()


def test_an_unreachable_trader_is_reported_once_and_the_others_go_on(
    fake: RunningFake, tmp_path: Path
) -> None:
    fake.api.unreachable.add(DEEDDIT)
    fake.api.failures.extend([429, 503, 502])  # the first answers: back off and retry
    reports = Reports()
    out = tmp_path / "out.jsonl"
    monitor = make_monitor(
        fake.url, tmp_path / "state", out, (KCH123, DEEDDIT), since=0, reports=reports
    )
    stats = monitor.poll_once()
    assert stats.unreachable == [DEEDDIT]
    assert [r for r in reports if DEEDDIT in r] == [
        f"{DEEDDIT}: unreachable: HTTP 503 from /positions after 4 attempts; "
        "the other traders go on"
    ]
    assert len(read_intents(out)) == 10  # kch123's trades all arrived


def test_intents_written_ahead_are_delivered_once_after_a_crash_mid_write(
    fake: RunningFake, tmp_path: Path
) -> None:
    out, state = tmp_path / "out.jsonl", tmp_path / "state"

    class Crash(Exception):
        pass

    class CrashingSink(FileSink):
        def deliver(self, intents: Any, output: dict[str, Any]) -> dict[str, Any]:
            # A kill during the append: one whole line and half of the next reach the file.
            lines = [json.dumps(i, sort_keys=True, separators=(",", ":")) + "\n" for i in intents]
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(lines[0] + lines[1][: len(lines[1]) // 2])
            raise Crash

    crashing = make_monitor(fake.url, state, out, (KCH123,), since=0)
    crashing.sink = CrashingSink(out)
    with pytest.raises(Crash):
        crashing.poll_once()
    assert len(json.loads((state / "state.json").read_text())["pending"]) == 10

    make_monitor(fake.url, state, out, (KCH123,), since=0).run(once=True)

    ids = [i["intent_id"] for i in read_intents(out)]  # every line whole again
    assert len(ids) == len(set(ids)) == 10
    assert set(ids) == set(expected_trades(fake.api, KCH123))


def monitor_env(fake_url: str, home: Path) -> dict[str, str]:
    """The environment of a ``tape monitor`` process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "POLYMARKET_"))}
    env.update({"TAPE_HOME": str(home), "PYTHONPATH": str(REPO), "POLYMARKET_DATA_URL": fake_url})
    return env


def test_the_command_polls_once_and_a_rerun_emits_nothing_twice(
    fake: RunningFake, tmp_path: Path
) -> None:
    out = tmp_path / "intents.jsonl"
    args = ["monitor", "--follow", KCH123.upper().replace("0X", "0x"), "--out", str(out),
            "--once", "--since", "0", "--agent", "copy-kch"]  # fmt: skip
    env = monitor_env(fake.url, tmp_path / "home")
    runner = CliRunner()
    first = runner.invoke(cli, args, env=env)
    assert first.exit_code == 0, first.output
    assert "10 intent(s) emitted" in first.stdout
    assert (tmp_path / "home" / "monitor" / "state.json").is_file()
    again = runner.invoke(cli, args, env=env)
    assert again.exit_code == 0, again.output
    assert "0 intent(s) emitted" in again.stdout
    intents = read_intents(out)
    assert len(intents) == 10
    assert {i["agent"] for i in intents} == {"copy-kch"}
    assert {i["source"]["trader"] for i in intents} == {KCH123}

    fake.api.unreachable.add(KCH123)
    failed = runner.invoke(cli, [*args, "--backoff-base", "0.01"], env=env)
    assert failed.exit_code == 1  # the command ran and found a problem
    assert f"{KCH123}: unreachable" in failed.stderr


class TradeMaker:
    """Adds trades to the fake while the monitor runs: several fills per order sometimes, both
    sides of a market in one transaction sometimes, and some late."""

    def __init__(self, api: FakeDataApi, wallets: list[str], seed: int) -> None:
        self.api = api
        self.wallets = wallets
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        rng = self.rng
        while not self.stop.wait(rng.uniform(0.01, 0.06)):
            wallet = rng.choice(self.wallets)
            tx = f"0x{rng.getrandbits(256):064x}"
            now = int(time.time())
            asset = str(rng.randrange(1, 6))
            side = rng.choice(["BUY", "BUY", "SELL"])
            rows = [
                trade_row(wallet, tx_hash=tx, asset=asset, side=side, timestamp=now,
                          size=round(rng.uniform(1, 300), 6),
                          price=round(rng.uniform(0.05, 0.95), 4))
                for _ in range(rng.choice([1, 1, 1, 2, 3]))
            ]  # fmt: skip
            if rng.random() < 0.2:
                rows.append(
                    trade_row(wallet, tx_hash=tx, asset=asset + "0", side="BUY", timestamp=now,
                              size=7.5, price=0.5, outcome="No")
                )  # fmt: skip
            self.api.add_rows(wallet, rows, delay_s=rng.choice([0, 0, 0, 0, 0.3, 0.8, 1.5]))


def test_killing_the_monitor_at_random_moments_loses_no_trade_and_repeats_none(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261121)
    newcomer = "0x" + "ab" * 20
    api = fixture_api()
    api.failure_rate = 0.08  # 429 and 5xx now and then
    out, home = tmp_path / "intents.jsonl", tmp_path / "home"
    wallets = [KCH123, DEEDDIT, newcomer]
    with serve_fake(api) as running:
        args = [*TAPE, "monitor", "--follow", ",".join(wallets), "--out", str(out),
                "--since", "0", "--interval", "0.05", "--overlap", "30", "--backoff-base", "0.01",
                "--page-limit", "7"]  # fmt: skip
        env = monitor_env(running.url, home)
        maker = TradeMaker(api, [KCH123, newcomer], seed=rng.randrange(1 << 30))
        maker.thread.start()
        for _ in range(5):
            process = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
            assert process.stderr is not None
            started = process.stderr.readline()  # "following ...": loaded, polling from now
            assert "following 3 wallet(s)" in started, started
            time.sleep(rng.uniform(0.05, 1.0))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            stderr = process.stderr.read()
            process.stderr.close()
            assert "Traceback" not in stderr
        maker.stop.set()
        maker.thread.join()
        while not api.all_visible():
            time.sleep(0.05)
        api.failure_rate = 0.0
        final = subprocess.run([*args, "--once"], env=env, capture_output=True, text=True,
                               timeout=60, check=False)  # fmt: skip
        assert final.returncode == 0, final.stderr

    intents = read_intents(out)
    counts = Counter(i["intent_id"] for i in intents)
    assert [k for k, n in counts.items() if n > 1] == []
    expected = {}
    for wallet in wallets:
        expected.update(expected_trades(api, wallet))
    assert set(counts) == set(expected)
    assert len(expected) > 100  # trades kept arriving while it was killed
    for intent in intents:
        trade = expected[intent["intent_id"]]
        assert (intent["size"], intent["price"]) == (dec_str(trade.size), dec_str(trade.price))
    # The running holdings were never applied twice: in emission order, each intent's
    # trader_position_before is the previous one moved by the previous trade.
    held: dict[tuple[str, str], Decimal] = {}
    for intent in intents:
        before = intent["source"].get("trader_position_before")
        if before is None:
            continue
        key = (intent["source"]["trader"], intent["token_id"])
        if key in held:
            assert Decimal(before) == held[key], key
        size = Decimal(intent["size"])
        held[key] = max(Decimal(before) + (size if intent["side"] == "BUY" else -size), Decimal(0))
