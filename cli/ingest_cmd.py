"""``tape ingest``: tape.intent/1 lines from a file (or a growing file) into the engine."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import click

from adapters.bootstrap import build, ingest_log, live_clock, open_ingest_app, require_postgres
from adapters.dayfile import BadLine, read_intents
from adapters.feed_identity import feed_of
from adapters.intent_tail import IntentTail, default_offset_path, ingest_following
from adapters.settings import Settings
from adapters.stopping import StopSignal
from cli.context import claim_store, pass_settings
from cli.errors import TapeUsageError
from cli.render import counts
from cli.run_cmd import open_lines
from cli.scaleout_cmd import record_only_option


def _report(message: str) -> None:
    click.echo(f"tape: {message}", err=True)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@click.option(
    "--follow",
    is_flag=True,
    help="Tail FILE as it grows (e.g. from tape monitor --out) until SIGINT/SIGTERM, resuming "
    "after the last line handled (offset in $TAPE_HOME/tail).",
)
@record_only_option
@pass_settings
def ingest(
    settings: Settings, file: Path, config_path: Path | None, follow: bool, workers: int | None
) -> None:
    """Take tape.intent/1 lines from FILE (one JSON object per line) into the engine."""
    config = settings.with_config(config_path).tape_config()
    receipts: Counter[str] = Counter()
    if not follow and not file.is_file():
        raise TapeUsageError(f"{file}: no such file")
    # A file is known by content (another intents.jsonl is another feed); a followed file by
    # its path and inode, which its tail's offset file keeps.
    feed = file.name if follow else feed_of(file)
    if workers is not None:
        log = ingest_log(open_ingest_app(require_postgres(settings)), live_clock())
        log.configure(list(config.agents))
        engine, taken, decide = log.recorder, log.taken_in(feed), False
    else:
        claim_store(settings, "tape ingest")
        tape = build(settings, config, clock=live_clock())
        tape.engine.register_agents(config.agents)
        engine, taken, decide = (
            tape.engine,
            tape.engine.recover().feed_positions.get(feed, 0),
            True,
        )
    where = "the ingest log" if workers is not None else "the engine"
    if follow:
        stop = StopSignal()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda _signum, _frame: stop.set())
        tail = IntentTail(file, default_offset_path(settings.home, file), report=_report)
        _report(f"following {file} into {where} from line {tail.position.line_no + 1}")
        receipts = ingest_following(
            engine, tail, feed=feed, stop=stop, report=_report, decide=decide
        )
        click.echo(f"ingested {file} (followed, stopped): {counts(receipts.items())}")
        return
    # Resume after the last line the store shows was taken in; a stop signal finishes the line
    # at hand first.
    stop = StopSignal()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    for record in read_intents(open_lines(file)):
        if stop.is_set():
            _report(f"stopped after line {record.line_no - 1}; run again to resume")
            break
        if record.line_no <= taken:
            receipts["already taken in"] += 1
            continue
        if isinstance(record, BadLine):
            _report(record.message(file.name))
            engine.reject_input(
                feed=feed, line_no=record.line_no, reason=record.reason, digest=record.digest
            )
            receipts["invalid"] += 1
            continue
        if decide:
            receipt = engine.submit(record.intent, feed=feed, line_no=record.line_no)
        else:
            receipt = engine.receive(record.intent, feed=feed, line_no=record.line_no)
        receipts[receipt.status] += 1
    click.echo(f"ingested {file} into {where}: {counts(receipts.items())}")
