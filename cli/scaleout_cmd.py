"""Scale-out commands: ``tape worker`` (one partition of agents) and ``tape ingest-day`` (a day
file into the ingest log); the ``--workers`` options of the other commands."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from adapters.bootstrap import (
    build,
    ingest_log,
    live_clock,
    open_ingest_app,
    open_worker_app,
    require_postgres,
)
from adapters.clock import ManualClock
from adapters.config_file import TapeConfig
from adapters.day_order import DEFAULT_MAX_GAP, read_day_in_order
from adapters.feed_identity import feed_of
from adapters.scaleout.ingest import DayIngest, IngestStats
from adapters.scaleout.lease import PartitionLease
from adapters.scaleout.worker import InputClock, Worker
from adapters.settings import WORKERS_ENV, Settings
from adapters.stopping import StopSignal
from adapters.storage import Storage
from cli.context import pass_settings, workers_default
from cli.errors import TapeProblem, TapeUsageError
from cli.render import counts
from engine.partition import Partition, PartitionFormatError


def workers_option(help_text: str) -> Any:
    """A command's ``--workers N`` (default ``$TAPE_WORKERS``)."""
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        callback=workers_default,
        help=f"{help_text} (default: ${WORKERS_ENV}).",
    )


record_only_option = workers_option(
    "Scale-out: only record intents in the ingest log on TAPE_DATABASE_URL; N `tape worker` "
    "processes decide them"
)
"""The ``--workers`` of the intake commands (``tape serve``, ``tape ingest``)."""


def _report(message: str) -> None:
    click.echo(f"tape: {message}", err=True)


def _stop_on_signals() -> threading.Event:
    stop = StopSignal()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    return stop


def worker_count(option: int | None, settings: Settings) -> int:
    """The number of workers: the option, else $TAPE_WORKERS."""
    value = option if option is not None else settings.workers or 0
    if value < 1:
        raise TapeUsageError(
            f"say how many workers the deployment has: --workers N or {WORKERS_ENV}"
        )
    return value


# -- tape worker ----------------------------------------------------------------------------


@click.command()
@click.option("--partition", "partition_text", required=True, help="k/n: this worker's share.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@click.option("--paper-url", default=None, help="The `tape paper-venue` process to trade on.")
@click.option(
    "--clock",
    "clock_mode",
    type=click.Choice(["wall", "input"]),
    default="wall",
    show_default=True,
    help="input: each step at the time its input was recorded (a day file); wall: the later "
    "of that and the wall clock (live: staleness is judged by real time).",
)
@click.option(
    "--until-end",
    is_flag=True,
    help="Stop after the last event the ingest log holds at start (else follow until SIGTERM).",
)
@click.option("--poll", "poll_s", default=0.2, show_default=True, help="Seconds between polls.")
@click.option(
    "--wait-lease/--no-wait-lease",
    default=True,
    show_default=True,
    help="Wait while another worker holds the partition (else exit 1).",
)
@pass_settings
def worker(  # noqa: PLR0917 - click passes each option positionally
    settings: Settings,
    partition_text: str,
    config_path: Path | None,
    paper_url: str | None,
    clock_mode: str,
    until_end: bool,
    poll_s: float,
    wait_lease: bool,
) -> None:
    """Trade for one partition of the agents (a stable hash of the agent's name), following
    the ingest log on TAPE_DATABASE_URL. One worker per partition: the others wait."""
    try:
        partition = Partition.parse(partition_text)
    except PartitionFormatError as error:
        raise TapeUsageError(str(error)) from error
    storage = require_postgres(settings)
    config = settings.with_config(config_path).tape_config()
    stop = _stop_on_signals()
    lease = PartitionLease(storage.env, partition.app_name)
    if not _acquire(lease, partition, stop, wait=wait_lease):
        lease.release()
        if stop.is_set():
            click.echo(f"worker {partition}: stopped before it held its partition")
            return
        raise TapeProblem(f"partition {partition} is held by another worker")
    try:
        clock = InputClock(wall=None if clock_mode == "input" else live_clock().now)
        app = open_worker_app(partition.app_name, storage)
        tape = build(settings, config, clock=clock, paper_url=paper_url, app=app)
        ingest = open_ingest_app(storage)
        recovery = tape.engine.recover()
        runner = Worker(
            partition=partition,
            ingest=ingest,
            engine=tape.engine,
            clock=clock,
            still_leased=lease.still_held,
            report=_report,
        )
        until = runner.ingest_end() if until_end else None
        _report(
            f"worker {partition} holds its partition; resuming after ingest position "
            f"{runner.cursor}; reconciled {counts(recovery.reconciled.items())}"
        )
        stats = runner.run(stop, until=until, poll_s=poll_s)
    finally:
        lease.release()
    click.echo(
        f"worker {partition}: read {stats.seen} ingest events, processed {stats.processed} "
        f"({counts(stats.by_kind.items())}), skipped {stats.skipped} of other partitions; "
        f"at position {runner.cursor}"
    )


def _acquire(
    lease: PartitionLease, partition: Partition, stop: threading.Event, *, wait: bool
) -> bool:
    said = False
    while not lease.try_acquire():
        if not wait or stop.is_set():
            return False
        if not said:
            _report(
                f"partition {partition} is held by another worker (server pid "
                f"{lease.holder_pid()}); waiting for it to stop"
            )
            said = True
        stop.wait(1.0)
    return True


# -- tape ingest-day ------------------------------------------------------------------------


@click.command("ingest-day")
@click.option("--day", "day", type=click.Path(path_type=Path), required=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@pass_settings
def ingest_day(settings: Settings, day: Path, config_path: Path | None) -> None:
    """Record a tape.day/1 file's intents, resolutions and bad lines in the ingest log (and the
    agents of the configuration), for the workers to decide. Resumes after the last line taken
    in."""
    config = settings.with_config(config_path).tape_config()
    stats = record_day(require_postgres(settings), day, config, max_gap=settings.max_time_gap)
    click.echo(ingest_summary(day, stats))


def refuse_strategy_agents(config: TapeConfig) -> None:
    """The workers run no strategies (the ingest log records intents, not market data): a
    configuration with strategy agents is refused rather than quietly not traded."""
    strategic = [agent.name for agent in config.agents if agent.strategy != "copy"]
    if strategic:
        raise TapeUsageError(
            f"strategy agents ({', '.join(strategic)}) run in one process: "
            "`tape run --day` without --workers"
        )


def record_day(
    storage: Storage, day: Path, config: TapeConfig, *, max_gap: timedelta = DEFAULT_MAX_GAP
) -> IngestStats:
    """A day into the ingest log."""
    refuse_strategy_agents(config)
    if not day.is_file():
        raise TapeUsageError(f"{day}: no such file")
    clock = ManualClock.epoch()
    runner = DayIngest(
        ingest_log(open_ingest_app(storage), clock),
        clock=clock,
        source=day.name,
        feed=feed_of(day),
        report=_report,
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: runner.request_stop())
    with day.open(encoding="utf-8", errors="replace", newline="\n") as handle:
        return runner.run(read_day_in_order(handle, max_gap=max_gap), agents=list(config.agents))


def ingest_summary(day: Path, stats: IngestStats) -> str:
    """One line on what the ingest recorded."""
    line = (
        f"ingest log: {day} recorded {stats.intents} intents ({stats.duplicates} redelivered), "
        f"{stats.resolutions} resolutions, {stats.bad_lines} bad lines; {stats.skipped} already "
        "taken in"
    )
    if stats.stopped_at is not None:
        line += f"; stopped after line {stats.stopped_at}"
    return line
