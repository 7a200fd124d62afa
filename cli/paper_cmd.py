"""``tape paper-venue``: run the paper venue as its own loopback HTTP process."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

import click

from adapters.config_file import fee_rate as valid_fee_rate
from adapters.paper.routes import DEFAULT_REQUEST_TIMEOUT_S, make_server
from adapters.paper.server import LedgerMismatchError, PaperVenueService
from cli.context import current_settings
from cli.errors import TapeUsageError


@click.command("paper-venue")
@click.option("--port", default=0, show_default=True, help="Port on 127.0.0.1 (0: a free one).")
@click.option(
    "--day", type=click.Path(path_type=Path), required=True, help="The day whose books it serves."
)
@click.option(
    "--ledger",
    type=click.Path(path_type=Path),
    default=None,
    help="Its durable ledger (default: paper-ledger.db beside the day file).",
)
@click.option("--fee-rate", default="0", show_default=True, help="Fee as a fraction of notional.")
@click.option(
    "--faults",
    is_flag=True,
    help="Serve POST /_faults, the fault injection hook of the tests (never in production).",
)
@click.option(
    "--request-timeout",
    "request_timeout_s",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_REQUEST_TIMEOUT_S,
    show_default=True,
    help="Seconds a connection may stay silent (half a request, idle) before it is closed.",
)
def paper_venue(  # noqa: PLR0917 - click passes each option positionally
    port: int,
    day: Path,
    ledger: Path | None,
    fee_rate: str,
    faults: bool,
    request_timeout_s: float,
) -> None:
    """Serve the paper venue over HTTP on loopback, books from DAY by time, with a durable
    ledger; `GET /orders` returns the ledger. Prints `listening on http://127.0.0.1:PORT`."""
    if not day.is_file():
        raise TapeUsageError(f"{day}: no such file")
    rate = valid_fee_rate(fee_rate, "--fee-rate")
    try:
        service = PaperVenueService(
            day,
            ledger or day.with_name("paper-ledger.db"),
            fee_rate=rate,
            max_gap=current_settings().max_time_gap,
        )
    except LedgerMismatchError as error:
        raise TapeUsageError(str(error).splitlines()[0]) from error
    server = make_server(service, port, faults=faults, request_timeout_s=request_timeout_s)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"listening on http://127.0.0.1:{server.server_address[1]}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        service.ledger.close()
