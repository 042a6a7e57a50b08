"""Roster benchmark: importing a whole company, re-importing it, and requests beside it.

    python -m bench.roster_bench [--people 100000] [--changes 100] [--requests 2000]

1. ``careerflow roster import company.csv`` of ``--people`` rows into an empty
   roster, as HR runs it (a process of its own: wall time and peak resident memory,
   goal <= 10 s and <= 500 MB), then a re-import of the same file with
   ``--changes`` rows changed (goal <= 2 s). The same two through
   ``POST /api/v1/roster/import`` to a running API (no start-up, roster in memory).
2. ``GET /api/v1/me`` p50 through the API (``careerflow api``, a process of its
   own) over a 10-person roster and over the ``--people`` one, same run: the ratio
   (goal within 20 %, i.e. <= 1.2). Every request checks its caller against the
   roster, so a roster that costs per request shows here.

Uses DATABASE_URL, or the embedded PostgreSQL when it is unset, in schemas of its
own that it drops.
"""

from __future__ import annotations

import csv
import os
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import log_file, parser
from bench.servers import (
    ApiProcess,
    bench_schema,
    careerflow_command,
    latencies,
    quantile,
    settings_env,
)
from careerflow.settings import Settings


def write_company(path: Path, people: int, changed: int = 0) -> None:
    """A roster CSV: ten reports per manager, 40 departments, one HR partner per 500.

    ``changed`` rows (spread through the file) get a new department."""
    step = max(1, people // changed) if changed else 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["employee_id", "name", "email", "manager_id", "department", "hr_partner_id"]
        )
        for i in range(people):
            department = f"Dept {i % 40}"
            if step and i % step == step - 1 and i // step < changed:
                department = f"Moved {i % 7}"
            writer.writerow(
                [
                    f"p{i:06d}",
                    f"Person {i}",
                    f"p{i}@example.com",
                    "" if i == 0 else f"p{(i - 1) // 10:06d}",
                    department,
                    "" if i < 500 else f"p{i // 500:06d}",
                ]
            )


def timed_import(env: dict[str, str], path: Path) -> tuple[float, float]:
    """Seconds and peak resident MB of ``careerflow roster import --yes`` on ``path``."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [*careerflow_command(), "roster", "import", str(path), "--yes"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_file("roster-import"),
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"roster import failed with {status}")
    return seconds, usage.ru_maxrss / 1024


def startup_seconds(env: dict[str, str]) -> float:
    """What any ``careerflow`` command pays before it does anything (imports)."""
    start = time.perf_counter()
    subprocess.run(
        [*careerflow_command(), "--help"], env=env, stdout=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - start


def http_imports(settings: Settings, first: Path, again: Path) -> tuple[float, float, float]:
    """Seconds of ``POST /roster/import`` of ``first`` then ``again`` to a running API, and
    the API process's peak resident MB."""
    with ApiProcess(settings) as api:
        token = api.token("hr", "hr_admin")
        times = []
        for path in (first, again):
            request = urllib.request.Request(
                api.url("/api/v1/roster/import?allow_removals=true"),
                data=path.read_bytes(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
                method="POST",
            )
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=300) as response:
                response.read()
            times.append(time.perf_counter() - start)
        assert api.process is not None
        peak = peak_resident_mb(api.process.pid)
    return times[0], times[1], peak


def peak_resident_mb(pid: int) -> float:
    """The process's high-water mark of resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def me_p50(settings: Settings, people: Path, requests: int) -> float:
    with ApiProcess(settings) as api:
        api.cli("roster", "import", str(people), "--yes")
        token = api.token("p000005")
        samples = latencies(api.url("/api/v1/me"), token, requests, concurrency=1)
    return quantile(samples, 0.5)


def main() -> None:
    args = parser(__doc__, people=100_000, changes=100, requests=2000).parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        company, changed, small = (
            Path(tmp, "company.csv"),
            Path(tmp, "changed.csv"),
            Path(tmp, "small.csv"),
        )
        write_company(company, args.people)
        write_company(changed, args.people, args.changes)
        write_company(small, 10)
        with bench_schema("cf_roster") as settings:
            env = settings_env(settings)
            startup = startup_seconds(env)
            first, first_mb = timed_import(env, company)
            again, again_mb = timed_import(env, changed)
        with bench_schema("cf_roster_http") as http_settings:
            http_first, http_again, http_mb = http_imports(http_settings, company, changed)
        with bench_schema("cf_roster_small") as small_settings:
            small_p50 = me_p50(small_settings, small, args.requests)
        with bench_schema("cf_roster_big") as big_settings:
            big_p50 = me_p50(big_settings, company, args.requests)

    server = "DATABASE_URL" if Settings().database_url else "embedded PostgreSQL"
    print(f"roster of {args.people} people ({server})")
    print(f"  careerflow start-up alone         {startup:6.2f} s")
    print(
        f"  import into an empty roster       {first:6.2f} s (goal <= 10 s)   "
        f"peak {first_mb:5.0f} MB (goal <= 500 MB)"
    )
    print(
        f"  re-import, {args.changes} rows changed     {again:6.2f} s (goal <= 2 s)    "
        f"peak {again_mb:5.0f} MB"
    )
    print(
        f"  over HTTP to a running API: import {http_first:6.2f} s (goal <= 10 s), "
        f"re-import {http_again:5.2f} s (goal <= 2 s); API peak {http_mb:4.0f} MB (goal <= 500 MB)"
    )
    print(
        f"  GET /me p50: 10 people {small_p50 * 1000:.2f} ms, {args.people} people "
        f"{big_p50 * 1000:.2f} ms; ratio {big_p50 / small_p50:.2f} (goal <= 1.2)"
    )


if __name__ == "__main__":
    main()
