"""Where CPU time went during a scale-out run: the machine, the PostgreSQL server's processes
and the paper venue, from Linux ``/proc`` (zeros elsewhere)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _proc_ticks(pid: int | str, *, children: bool = False) -> int:
    """CPU clock ticks of a process (user + system; with ``children``, also of its children
    it has waited for), from /proc; 0 when it cannot be read."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return 0
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks


def _comm(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


@dataclass(frozen=True)
class CpuSnapshot:
    """Where CPU time had gone at one moment (Linux /proc; zeros elsewhere)."""

    busy: int
    total: int
    postgres: int
    venue: int

    @classmethod
    def take(cls, venue_pid: int) -> CpuSnapshot:
        """The machine's busy and total ticks, the local PostgreSQL server's processes' ticks
        (its exited backends count in the postmaster's children time) and the venue's."""
        busy = total = 0
        try:
            first = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0]
            ticks = [int(v) for v in first.split()[1:9]]  # user .. steal
            total, busy = sum(ticks), sum(ticks) - ticks[3] - ticks[4]  # - idle, iowait
        except (OSError, ValueError, IndexError):
            pass
        postgres = 0
        proc = Path("/proc")
        if proc.is_dir():
            for entry in proc.iterdir():
                if entry.name.isdigit() and _comm(entry.name) == "postgres":
                    postgres += _proc_ticks(entry.name, children=True)
        return cls(busy, total, postgres, _proc_ticks(venue_pid))


def cpu_split(before: CpuSnapshot, after: CpuSnapshot, seconds: float) -> dict[str, Any]:
    """Where the CPU went between two snapshots over ``seconds`` of wall time."""
    hertz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    cores = os.cpu_count() or 1
    total = after.total - before.total
    return {
        "cores": cores,
        "machine_busy_share": round((after.busy - before.busy) / total, 3) if total else None,
        "machine_busy_s": round((after.busy - before.busy) / hertz, 2),
        "postgres_s": round((after.postgres - before.postgres) / hertz, 2)
        if after.postgres
        else None,
        "venue_s": round((after.venue - before.venue) / hertz, 2),
        "wall_x_cores_s": round(seconds * cores, 2),
    }
