"""Find the executables that wheels install (the Temporal CLI and test server).

They land in the virtual environment's ``bin`` directory, which is not on PATH
when a tool is run as ``.venv/bin/...``; look there first, then on PATH.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


class MissingBinary(RuntimeError):
    pass


def find_binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise MissingBinary(f"{name} not found; install the project (make install)")
    return found
