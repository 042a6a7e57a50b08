"""A TCP proxy in front of PostgreSQL that a test can cut, to make the database unreachable."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from psycopg.conninfo import conninfo_to_dict


def _target(url: str) -> tuple[int, Any]:
    params = conninfo_to_dict(url)
    host = str(params.get("host") or "127.0.0.1")
    port = int(params.get("port") or 5432)
    if host.startswith("/"):
        return socket.AF_UNIX, f"{host}/.s.PGSQL.{port}"
    return socket.AF_INET, (host, port)


class PgProxy:
    def __init__(self, url: str) -> None:
        self.family, self.address = _target(url)
        self.listener = socket.create_server(("127.0.0.1", 0), reuse_port=True)
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.cut = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, url: str) -> str:
        params = conninfo_to_dict(url)
        user = params.get("user") or "postgres"
        return f"postgresql://{user}@127.0.0.1:{self.port}/{params.get('dbname') or 'postgres'}"

    def _accept(self) -> None:
        while not self.cut.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut.is_set():
                client.close()
                return
            upstream = socket.socket(self.family, socket.SOCK_STREAM)
            upstream.connect(self.address)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        """Accept connections again, on the same port (the database is back)."""
        self.cut = threading.Event()
        self.sockets = []
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_off(self) -> None:
        """Refuse new connections and break the open ones."""
        self.cut.set()
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
