"""An aiohttp application on 127.0.0.1, served from a thread with an event loop of its own, so a
sync test, an async test whose loop runs the client under test, a child process and a benchmark
can all talk to it. Subclasses add the routes of the protocol they speak::

    class Echo(LoopbackServer):
        def add_routes(self, app: web.Application) -> None:
            app.router.add_get("/", lambda request: web.Response(text="ok"))

    with Echo() as server:
        ...  # http://127.0.0.1:{server.port}/
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from typing import Any, Self

from aiohttp import web

START_TIMEOUT = 10.0  # seconds for the server thread to listen, or to stop


class LoopbackServer:
    shutdown_timeout = 1.0  # seconds open requests get to finish when the server stops
    client_max_size = 1024 * 1024  # largest request body, aiohttp's default

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        self._tasks: set[asyncio.Task[object]] = set()

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def on_start(self) -> None:
        """Called in the server's thread once its loop exists, before the first request."""

    def on_stop(self) -> None:
        """Called in the server's thread just before its loop stops (wake waiting handlers here)."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._loop

    def spawn(self, work: Coroutine[Any, Any, object]) -> None:
        """Runs ``work`` on the server's loop (call it in the server's thread), keeping the task
        referenced until it ends: the loop holds only a weak reference."""
        task = self.loop.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def bind(self, port: int = 0) -> socket.socket:
        """A socket on ``host``; SO_REUSEADDR, so a server that stopped listening can take its
        port again at once."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, port))
        return sock

    def start(self) -> int:
        """Binds a free port, serves from a background thread, returns the port."""
        if self._thread is not None:
            raise RuntimeError(f"{type(self).__name__} already started")
        sock = self.bind()
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._serve, args=(self._loop, sock, ready, errors), daemon=True,
                                        name=f"{type(self).__name__}:{self.port}")
        self._thread.start()
        if not ready.wait(START_TIMEOUT) or errors:
            self.stop()
            raise RuntimeError(f"{type(self).__name__} failed to start: {errors}")
        return self.port

    def _serve(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, ready: threading.Event,
               errors: list[BaseException]) -> None:
        asyncio.set_event_loop(loop)
        self.on_start()
        app = web.Application(client_max_size=self.client_max_size)
        self.add_routes(app)
        runner = self._runner = web.AppRunner(app, shutdown_timeout=self.shutdown_timeout, access_log=None)
        try:
            loop.run_until_complete(runner.setup())
            self._site = web.SockSite(runner, sock)
            loop.run_until_complete(self._site.start())
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            errors.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            def halt() -> None:
                self.on_stop()
                loop.stop()
            loop.call_soon_threadsafe(halt)
            thread.join(timeout=START_TIMEOUT)
        self._thread = None
        self._loop = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
