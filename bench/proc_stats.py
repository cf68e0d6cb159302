"""What Linux's /proc says of a process, for the benches' figures: its CPU seconds and its memory."""
from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf('SC_CLK_TCK')


def _stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name (which may hold spaces and parentheses): field 3 onwards."""
    return Path(f'/proc/{pid}/stat').read_text().rpartition(')')[2].split()


def cpu_seconds(pid: int) -> float:
    """The process's own CPU seconds so far (user + system)."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS


def reaped_children_cpu_seconds(pid: int) -> float:
    """The CPU seconds of the process's children it has waited for (user + system)."""
    fields = _stat_fields(pid)
    return (int(fields[13]) + int(fields[14])) / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat: everything but idle and iowait)."""
    values = [int(v) for v in Path('/proc/stat').read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS


def status_kb(pid: int, field: str, missing: int | None = None) -> int:
    """A memory figure of /proc/<pid>/status in KiB (VmRSS, VmHWM); `missing` when the process has none (a zombie
    has no memory), else RuntimeError."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith(f'{field}:'):
            return int(line.split()[1])
    if missing is None:
        raise RuntimeError(f'no {field} in /proc/{pid}/status')
    return missing
