"""Database outages for the tests, made with real connections: a loopback TCP proxy between
the app and PostgreSQL that can drop every connection through it and refuse new ones, as a
restarting server does. No mock of the database anywhere."""

from __future__ import annotations

import contextlib
import socket
import threading


class DatabaseProxy:
    """127.0.0.1:<port> → PostgreSQL. drop() closes every connection through it and refuses
    new ones until restore()."""

    def __init__(self, host: str, port: int):
        self.target = (host, int(port))
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.refusing = False
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def drop(self) -> None:
        """The server goes away: open connections are cut, new ones refused."""
        self.refusing = True
        with self.lock:
            connections, self.connections = self.connections, []
        for end in connections:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def restore(self) -> None:
        self.refusing = False

    def close(self) -> None:
        self.closed = True
        self.drop()
        self.listener.close()


# Set by a test: the proxy that OutageMiddleware drops when a request asks for it.
current_proxy: DatabaseProxy | None = None


class OutageMiddleware:
    """Test-only, placed right inside the session middleware. A request with the header
    X-Test-Outage: after-view has the database go away after the view has answered (its write
    committed), before the session is saved; before-session, before the session and the user
    are loaded by the middleware inside this one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        when = request.headers.get("X-Test-Outage")
        if when == "before-session":
            current_proxy.drop()
        response = self.get_response(request)
        if when == "after-view":
            current_proxy.drop()
        return response


class OutageBeforeViewMiddleware:
    """Test-only, the innermost middleware: X-Test-Outage: before-view has the database go
    away once every middleware has run, before the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.headers.get("X-Test-Outage") == "before-view":
            current_proxy.drop()
        return self.get_response(request)
