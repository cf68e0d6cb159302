"""Local HTTP fakes of each platform, plus what they share: a real server on 127.0.0.1 and one kind of fault.

Each fake is a `FakeServer`: an ASGI app served by uvicorn in a background thread, so clients talk real HTTP to it:

    with FakeTelegram() as fake:
        fake.inject(Fault.slow(3), on='sendMessage')   # the next sendMessage answers 3 s late
        client = TelegramClient(fake.base_url)

Every fake takes the same `Fault` through the same `inject(fault, times, on=..., skip=...)`; the `Fault` of each
fake's module adds the named failures of that platform (`telegram.Fault.rate_limited()`, ...).
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import uvicorn
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request

ASGIApp = Any  # an ASGI 3 callable: async (scope, receive, send) -> None


class BackgroundServer:
    """Serves `app` on 127.0.0.1 on a free port from a daemon thread, between `start()` and `stop()`."""

    def __init__(self, app: ASGIApp) -> None:
        # proxy_headers off and no trace logging: `send` then stays uvicorn's own, which `drop_connection` needs
        # log_config=None leaves the test process's logging alone (uvicorn's records then reach pytest's capture)
        config = uvicorn.Config(app, lifespan='off', proxy_headers=False, access_log=False, log_config=None,
                                log_level='warning', timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._socket is None:
            raise RuntimeError('the server is not running')
        host, port = self._socket.getsockname()[:2]
        return f'http://{host}:{port}'

    def start(self) -> None:
        # binding here, before the thread starts, gives a known port with no race for it
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(('127.0.0.1', 0))
        self._thread = threading.Thread(target=self._server.run, kwargs={'sockets': [self._socket]},
                                        name=f'fake-server-{self.base_url}', daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError('the fake server did not start')
            time.sleep(0.01)

    def stop(self) -> None:
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> BackgroundServer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


class FakeServer:
    """The base of every fake: served over real HTTP inside a `with` block (or between `start()` and `stop()`).

    A subclass is the ASGI app and only speaks its own protocol, in `handle`. `latency` (seconds) delays every
    answer, as a distant platform would (requests wait side by side, not in a queue).
    """

    def __init__(self, *, latency: float = 0.0) -> None:
        self._http = BackgroundServer(self)
        self.latency = latency

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def start(self) -> None:
        self._http.start()

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope['type'] == 'http':  # lifespan is off; nothing here speaks WebSocket
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Answer one HTTP request (an ASGI `http` scope)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Fault:
    """What a fake does instead of (or before) answering a call: the one fault type of every fake.

    The fake first waits `delay` seconds (giving up if the client hangs up meanwhile). Then, before doing the real
    work or, with `after`, once it is done (so the client cannot tell whether it happened), it closes the
    connection without answering (`drop`), or answers `status` with the platform's error made from `details`;
    with neither, it answers normally. `details` holds what only that platform's fake reads: the fields of its
    error (Telegram's description, Graph's code and subcode, Google's reason, TikTok's code) and effects of its own
    (an upload cut short, an expired token). `on` is the kind of call it waits for unless `inject` names one.
    """
    name: str
    status: int = 0
    details: Mapping[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    after: bool = False
    on: str | None = None

    @classmethod
    def slow(cls, seconds: float) -> Self:
        """The answer comes `seconds` late."""
        return cls('slow', delay=seconds)

    @classmethod
    def dropped(cls) -> Self:
        """The connection closes before the request is handled."""
        return cls('dropped', drop=True)

    @classmethod
    def dropped_after(cls) -> Self:
        """The request is handled, then the connection closes without the answer."""
        return cls('dropped_after', drop=True, after=True)


class FaultQueue:
    """Faults injected into a fake, each waiting for its kind of call (any call when None), in the order injected."""

    def __init__(self, kinds: tuple[str, ...]) -> None:
        self.kinds = kinds
        self._entries: deque[list[Any]] = deque()  # [fault, kind or None, such calls still to let through]
        self._lock = threading.Lock()  # the fake answers on its server's thread; tests inject from theirs

    def add(self, fault: Fault, times: int = 1, *, on: str | None = None, skip: int = 0) -> None:
        """Make the next `times` calls of kind `on` (default: the fault's own) meet `fault`, after letting `skip`
        such calls through."""
        on = on or fault.on
        if on is not None and on not in self.kinds:
            raise ValueError(f'on must be one of {self.kinds}')
        with self._lock:
            self._entries.append([fault, on, skip])
            self._entries.extend([fault, on, 0] for _ in range(times - 1))

    @property
    def pending(self) -> int:
        """Faults injected and not yet met."""
        with self._lock:
            return len(self._entries)

    def next_for(self, kind: str) -> Fault | None:
        """The fault this call of `kind` meets, if any (taking it off the queue)."""
        with self._lock:
            for entry in self._entries:
                fault, on, skip = entry
                if on in (None, kind):
                    if skip:
                        entry[2] -= 1
                        return None
                    self._entries.remove(entry)
                    return fault
        return None


async def drop_connection(send: Any, receive: Any) -> None:
    """Close the TCP connection without answering (call after the request body was read).

    ASGI has no message for this, so it reaches uvicorn's transport behind `send`.
    """
    transport = getattr(getattr(send, '__self__', None), 'transport', None)
    if transport is None:
        raise RuntimeError('drop_connection needs uvicorn\'s own `send` (no middleware in between)')
    transport.close()
    # uvicorn then reports the disconnect; waiting for it keeps uvicorn from answering 500 on a closed socket
    await wait_unless_client_leaves(receive, 5)


async def wait_unless_client_leaves(receive: Any, seconds: float) -> bool:
    """Wait `seconds` (call after the request body was read); True when the client hung up meanwhile."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = await asyncio.wait_for(receive(), timeout=left)
        except TimeoutError:
            return False
        if message['type'] == 'http.disconnect':
            return True
    return False


async def read_params(request: Request) -> tuple[dict[str, Any], dict[str, UploadFile]]:
    """Fields from the query string and the body (urlencoded, JSON object or multipart), and the uploaded files.

    Always reads the whole body, so faults and delays start after the upload. Raises ValueError when unparsable.
    """
    params: dict[str, Any] = dict(request.query_params)
    files: dict[str, UploadFile] = {}
    content_type = request.headers.get('content-type', '')
    try:
        if content_type.startswith(('multipart/form-data', 'application/x-www-form-urlencoded')):
            form = await request.form(max_files=100, max_fields=1000)
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    files[key] = value
                else:
                    params[key] = value
        elif content_type.startswith('application/json'):
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError('the JSON body is not an object')
            params.update(body)
        else:
            await request.body()
    except MultiPartException as error:
        raise ValueError(error.message) from None
    return params, files
