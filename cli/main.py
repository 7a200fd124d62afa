"""The ``tape`` command line. Commands parse their arguments, call the application, print.

Exit codes: 0 success, 1 the command ran and found a problem, 2 bad usage or bad input.
Errors are one line on stderr, never a traceback (``TAPE_DEBUG=1`` shows it).
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from adapters.config_file import ConfigError
from adapters.settings import Settings, SettingsError
from adapters.storage import StorageConfigError
from adapters.store_health import is_write_failure
from adapters.store_lock import StoreBusyError
from cli.agents_cmd import agents
from cli.control_cmd import flatten_agent, orders
from cli.db_cmd import db
from cli.demo_cmd import demo
from cli.discover_cmd import discover_command
from cli.errors import TapeProblem, TapeUsageError
from cli.follow_cmd import follow
from cli.health_cmd import health
from cli.ingest_cmd import ingest
from cli.market_data_cmd import market_data
from cli.monitor_cmd import monitor
from cli.notify_cmd import notify
from cli.paper_cmd import paper_venue
from cli.projections_cmd import project, projections
from cli.read_cmd import balances, intents, positions, purchases
from cli.redeem_cmd import redeem_command
from cli.replay_cmd import export_day_command, replay
from cli.report_cmd import report
from cli.resolutions_cmd import resolutions
from cli.run_cmd import run
from cli.scaleout_cmd import ingest_day, worker
from cli.serve_cmd import serve
from cli.why_cmd import why


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tape-engine", prog_name="tape")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Tape: an event-sourced trading engine for prediction markets."""
    if not isinstance(ctx.obj, Settings):  # main() loads them; a test may pass its own
        ctx.obj = Settings.load()


for command in (
    demo,
    run,
    ingest,
    why,
    orders,
    positions,
    intents,
    balances,
    purchases,
    projections,
    project,
    report,
    agents,
    paper_venue,
    monitor,
    serve,
    health,
    replay,
    export_day_command,
    worker,
    ingest_day,
    db,
    notify,
    resolutions,
    follow,
    redeem_command,
    market_data,
):
    cli.add_command(command)
cli.add_command(discover_command, name="discover")


agents.add_command(flatten_agent)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``tape`` console script."""
    settings: Settings | None = None
    try:
        settings = Settings.load()
        for warning in settings.warnings:
            click.echo(f"tape: warning: {warning}", err=True)
        return cli.main(args=argv, prog_name="tape", standalone_mode=False, obj=settings)
    except click.exceptions.Abort:
        click.echo("tape: aborted", err=True)
        sys.exit(1)
    except click.ClickException as error:
        click.echo(f"tape: {error.format_message()}", err=True)
        sys.exit(2)
    except (TapeUsageError, ConfigError, StorageConfigError, SettingsError) as error:
        click.echo(f"tape: {error}", err=True)
        sys.exit(2)
    except (TapeProblem, StoreBusyError) as problem:
        click.echo(f"tape: {problem}", err=True)
        sys.exit(1)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:
        if settings is not None and settings.debug:
            traceback.print_exc()
        message = str(error).splitlines()[0] if str(error) else ""
        if is_write_failure(error):
            click.echo(
                f"tape: the store cannot be written ({type(error).__name__}: {message})", err=True
            )
            sys.exit(1)
        click.echo(f"tape: error: {type(error).__name__}: {message}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
