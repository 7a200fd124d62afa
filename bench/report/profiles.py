"""The "Where the time goes" section: labelled costs and top functions of each profile."""

from __future__ import annotations

from typing import Any

from bench.report.cells import failure_text, ran, table


def profile_section(results: dict[str, Any]) -> list[str]:
    """Each profile's labelled costs and top functions, or why there are none."""
    profiles = results.get("profiles") or {}
    lines = ["## Where the time goes", ""]
    if profiles.get("skipped"):
        return [*lines, f"Profiles skipped: {profiles['skipped']}.", ""]
    if not profiles:
        return lines
    lines.append(
        f"pyinstrument (1 ms sampling, wall clock, so a blocking fsync counts) on the "
        f"{profiles['size']} workload. *Share* is of the whole profiled call; labelled costs "
        "are inclusive (everything they call) and may nest in one another."
    )
    lines.append("")
    for key, name in (
        ("intake", "Intake (`tape run`)"),
        ("replay", "`replay --verify`"),
        ("rebuild", "`projections rebuild`"),
    ):
        profile = profiles.get(key)
        if profile is None:
            continue
        if not ran(profile):
            lines += [f"### {name}", "", failure_text(profile), ""]
            continue
        lines += [f"### {name}: {profile['total_s']:.1f} s profiled", ""]
        rows = [
            [item["cost"], f"{item['seconds']:.2f}", f"{item['share']:.0%}"]
            for item in profile["watched"]
            if item["seconds"] > 0
        ]
        lines += [*table(["labelled cost (inclusive)", "s", "share"], rows), ""]
        for ranking, heading in (
            ("top_self", "top functions by self time"),
            ("top_inclusive", "top functions by inclusive time"),
        ):
            rows = [
                [f"`{item['function']}`", f"{item['share']:.1%}"] for item in profile[ranking][:12]
            ]
            lines += [*table([heading, "share"], rows), ""]
    return lines
