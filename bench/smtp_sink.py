"""The chaos run's SMTP server, in a process of its own: ``python -m bench.smtp_sink PORT FILE``.

It writes one line per message it accepts (arrival time and the notification key in
the Message-ID) and flushes it. Inside the chaos run's own process it answered only
when that process let go of the GIL — rebuilding read models and reading the whole log
kept it waiting, and the notifier's sends with it, which measured the harness rather
than careerflow.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from aiosmtpd.controller import Controller

KEY_IN_MESSAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Recorder:
    def __init__(self, out: IO[str]) -> None:
        self.out = out

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.content.decode("utf-8", "replace")
        found = re.search(r"^Message-ID:\s*(.+)$", content, re.M | re.I)
        key = KEY_IN_MESSAGE_ID.search(found.group(1)) if found else None
        self.out.write(f"{time.time():.3f} {key.group(0) if key else '?'}\n")
        self.out.flush()
        return "250 OK"


def main() -> None:
    port, path = int(sys.argv[1]), Path(sys.argv[2])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with path.open("a", encoding="utf-8") as out:
        controller = Controller(Recorder(out), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            stop.wait()
        finally:
            controller.stop()


if __name__ == "__main__":
    main()
