"""The "What-ifs" section: each configuration change against the figure as is, and whether
the log it left is the same."""

from __future__ import annotations

from typing import Any

from bench.report.cells import amount, failure_text, ran, table, times


def _measured(figure: dict[str, Any] | None, unit: str, unit_name: str) -> str:
    return f"{amount(figure[unit])} {unit_name}" if ran(figure) else failure_text(figure)


def what_if_section(results: dict[str, Any]) -> list[str]:
    """Each what-if against the figure as is, and whether it left the same log."""
    what_if = results.get("what_if") or {}
    if not what_if:
        return []
    size = what_if["size"]
    run = results["runs"].get(size, {})
    base = {
        "intake": run.get("intake_sqlite"),
        "replay": run.get("replay"),
        "rebuild": run.get("rebuild"),
    }
    for item in what_if.get("items", []):
        if item["change"].startswith("as is"):
            base[item["figure"]] = item["result"]
    units = {
        "intake": ("intents_per_s", "intents/s"),
        "replay": ("events_per_s", "events/s"),
        "rebuild": ("events_per_s", "events/s"),
    }
    names = {"intake": "intake", "replay": "replay --verify", "rebuild": "projections rebuild"}
    rows = []
    for item in what_if.get("items", []):
        figure, after = item["figure"], item["result"]
        if item["change"].startswith("as is"):
            rows.append(
                [item["change"], names[figure], "", _measured(after, *units[figure]), "", ""]
            )
            continue
        before = base.get(figure)
        unit, unit_name = units[figure]
        name = names[figure]
        if not (ran(before) and ran(after) and before[unit]):
            rows.append([item["change"], name, failure_text(before), failure_text(after), "", ""])
            continue
        if figure == "intake":
            same = (
                "yes (same digest)"
                if after.get("digest") and after["digest"] == before.get("digest")
                else "**no**"
            )
        elif figure == "rebuild":
            same = "same rows" if after.get("rows") == before.get("rows") else "**rows differ**"
        else:
            same = "verified" if after.get("ok") else "**verification failed**"
        rows.append(
            [
                item["change"],
                name,
                f"{amount(before[unit])} {unit_name}",
                f"{amount(after[unit])} {unit_name}",
                times(after[unit] / before[unit]),
                same,
            ]
        )
    return [
        "## What-ifs: measured gains of changes, engine code unchanged",
        "",
        f"On the {size} workload: library settings, or a patch in the figure's process only "
        '(bench/figures/). Each stands for a proposal in "Where the time goes". *Same '
        "log*: the variant's log has the decision digest of the run as is.",
        "",
        *table(["change", "figure", "as is", "changed", "gain", "same log"], rows),
        "",
    ]
