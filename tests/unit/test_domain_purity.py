"""domain/ stays pure: importing it loads no infrastructure framework."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("temporalio", "sqlalchemy", "fastapi", "psycopg", "starlette", "httpx")


def test_importing_domain_loads_no_infrastructure() -> None:
    code = (
        "import sys, pkgutil, importlib, domain\n"
        "for m in pkgutil.walk_packages(domain.__path__, 'domain.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
