"""CPU seconds spent by the PostgreSQL server for a benchmark, read from ``/proc``.

The benchmark's own ``time.process_time()`` counts the client only; on PostgreSQL much of the
work (``COPY``, sorts, index builds, WAL) is the server's. When the server runs on this host
and its processes' ``/proc`` entries are readable, this reads the CPU of the benchmark's own
backend, and of the whole server: the postmaster, its live children (other connections,
background writer, checkpointer, WAL writer) and the children it already reaped (parallel
workers), whose CPU the kernel adds to the postmaster's ``cutime``/``cstime``. The whole
server's figure includes anyone else's queries on that server at the time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (field 3 onwards)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _peak_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass(frozen=True)
class ServerCpu:
    """CPU seconds so far of one backend and of the whole server (None where unreadable)."""

    backend_pid: int
    backend: float | None
    server: float | None
    backend_peak_kb: int | None

    def since(self, earlier: ServerCpu) -> str:
        """What the server spent between ``earlier`` and this reading, for a line of output."""
        if earlier.backend_pid != self.backend_pid or self.backend is None:
            return "server CPU unknown (another backend)"
        out = f"backend {self.backend - earlier.backend:.1f} s CPU"
        if self.server is not None and earlier.server is not None:
            out += f", whole server {self.server - earlier.server:.1f} s CPU"
        if self.backend_peak_kb is not None:
            out += f", backend peak {self.backend_peak_kb / 1024 ** 2:.2f} GB"
        return out


def read_server_cpu() -> ServerCpu | None:
    """The server's CPU so far, or None when the store is not a PostgreSQL on this host."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = _stat(pid)
    if fields is None:
        return None
    backend = (int(fields[11]) + int(fields[12])) / _TICK
    postmaster = int(fields[1])
    main = _stat(postmaster)
    server = None
    if main is not None:
        ticks = sum(int(main[i]) for i in (11, 12, 13, 14))
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                child = _stat(int(entry.name))
                if child is not None and int(child[1]) == postmaster:
                    ticks += int(child[11]) + int(child[12])
        server = ticks / _TICK
    return ServerCpu(pid, backend, server, _peak_kb(pid))
