"""The profile phase: pyinstrument profiles of intake, replay and rebuild on one workload."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

from bench.harness import Bench


def measure_profiles(bench: Bench, size: str, day: Path) -> dict[str, Any]:
    """pyinstrument profiles of intake, then of replay and rebuild on the store it left."""
    try:
        metadata.version("pyinstrument")
    except metadata.PackageNotFoundError:
        bench.notes.append("pyinstrument is not installed: no profiles")
        return {"skipped": "pyinstrument is not installed (pip install -r bench/requirements.txt)"}
    home = bench.options.work / "profile" / size
    profiles: dict[str, Any] = {"size": size}
    profiles["intake"] = bench.figure(
        "profile", f"profile {size}: intake", figure="intake", day=day, home=home
    )
    if "error" in profiles["intake"]:
        return profiles
    profiles["replay"] = bench.figure(
        "profile", f"profile {size}: replay --verify", figure="replay", home=home
    )
    profiles["rebuild"] = bench.figure(
        "profile", f"profile {size}: projections rebuild", figure="rebuild", home=home
    )
    return profiles
