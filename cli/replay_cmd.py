"""``tape replay`` and ``tape export-day``: prove a recorded day, try other rules, export it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from adapters.bootstrap import open_app
from adapters.replay.counterfactual import Diff, counterfactual
from adapters.replay.export import export_day
from adapters.replay.verify import verify
from adapters.settings import Settings
from cli.context import pass_settings
from cli.errors import TapeProblem, TapeUsageError
from cli.render import counts, table, to_json


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TapeUsageError(f"--day {value!r} is not a date (YYYY-MM-DD)") from None


@click.command()
@click.option("--verify", "do_verify", is_flag=True, help="Re-run the recorded inputs and compare.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Re-run the day under other rules and show what changes.",
)
@click.option("--day", default=None, help="Verify up to the end of this UTC day (YYYY-MM-DD).")
@click.option("--agent", default=None, help="Verify only this agent's events.")
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
@pass_settings
def replay(  # noqa: PLR0917 - click passes each option positionally
    settings: Settings,
    do_verify: bool,
    config_path: Path | None,
    day: str | None,
    agent: str | None,
    as_json: bool,
) -> None:
    """Prove the recorded decisions (--verify), or re-run the day under other rules (--config)."""
    if do_verify == (config_path is not None):
        raise TapeUsageError("say --verify, or --config FILE for a counterfactual")
    app, _ = open_app(settings)
    if config_path is not None:
        diff = counterfactual(app, settings.with_config(config_path).tape_config())
        click.echo(to_json(diff.to_json()) if as_json else render_diff(diff))
        return
    result = verify(app, agent=agent, until=_day(day))
    if as_json:
        click.echo(
            to_json(
                {
                    "ok": result.ok,
                    "compared": result.compared,
                    "inputs": result.inputs,
                    "digest": result.replayed_digest,
                    "recorded_digest": result.recorded_digest,
                    "divergence": result.divergence.describe() if result.divergence else None,
                }
            )
        )
    elif result.divergence is None:
        click.echo(
            f"verified: {result.compared} events replayed byte for byte "
            f"(inputs: {counts(result.inputs.items())})\n"
            f"digest {result.replayed_digest}"
        )
    else:
        click.echo(result.divergence.describe())
    if result.divergence is not None:
        raise TapeProblem("replay diverged from the record")


def render_diff(diff: Diff) -> str:
    """The counterfactual diff as text."""
    sections = [
        ("intents whose verdict changed", diff.verdicts, ["intent_id", "before", "after", "why"]),
        (
            "orders added",
            diff.orders_added,
            ["intent_id", "agent", "side", "size", "price", "filled"],
        ),
        (
            "orders removed",
            diff.orders_removed,
            ["intent_id", "agent", "side", "size", "price", "filled"],
        ),
        ("orders resized", diff.orders_resized, ["intent_id", "before", "after"]),
        ("fills changed", diff.fills_changed, ["intent_id", "before", "after"]),
        (
            "PnL per agent",
            diff.pnl,
            ["agent", "realised_before", "realised_after", "marked_before", "marked_after"],
        ),
    ]
    out = []
    for title, rows, columns in sections:
        out.append(f"{title} ({len(rows)}):")
        out.append(table(rows, columns))
        out.append("")
    return "\n".join(out).rstrip()


@click.command("export-day")
@click.option("--day", default=None, help="Only the intents received on this UTC day.")
@pass_settings
def export_day_command(settings: Settings, day: str | None) -> None:
    """Write the store's recorded inputs as a tape.day/1 file on standard output."""
    app, _ = open_app(settings)
    for line in export_day(app, day=_day(day)):
        click.echo(line)
