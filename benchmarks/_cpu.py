"""CPU time of the processes a benchmark starts, read from /proc (Linux): what each part of a
run cost the machine, beside the wall time it took."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds used so far by the live processes of a process group (a
    worker and its pool, a simulator); 0.0 where /proc cannot be read."""
    total = 0
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        # After the command: state, ppid, pgrp, ..., utime (12th), stime (13th).
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS
