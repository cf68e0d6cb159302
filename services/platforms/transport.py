"""The connections under the shared HTTP client: httpx's API (requests, responses and errors as every client knows
them) over aiohttp's connection pool.

httpx's own pool (httpcore) polls every idle connection's socket each time a request starts or ends; with the
sending slots busy that made each delivery cost about 2 ms of CPU in the pool alone, more than the rest of sending
it. aiohttp's pool costs a fraction of that. (httpx-aiohttp does the same, but it reports a connection dropped
after the request went out as a connect error, a request that never left: the engine would send such a post again.)

Errors keep the meaning `base.send` relies on: ConnectError and ConnectTimeout only when no byte of the request can
have left; anything later is a ReadError, ReadTimeout or RemoteProtocolError. An exception raised by the request's
own body (a file that cannot be read) comes out as itself. A request RFC 9110 calls idempotent (GET, PUT, DELETE)
whose connection closes without an answer is sent once more at once, as aiohttp does (RFC 9112, 9.3.1): a keep-alive
connection the platform had just closed costs no retry of the whole delivery; a POST never is.
"""
from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx

CHUNK_SIZE = 64 * 1024
MAX_CONNECTIONS, KEEPALIVE_S = 100, 5.0  # httpx's defaults


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session, made in the event loop of the first request; httpx does redirects, cookies and
    decoding, so aiohttp does none of them."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}  # (scheme, host) → its proxy from the environment

    def _session_for_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is not None and self._loop is not loop:  # its loop ended unclosed (tests run one each)
            self._session.detach()  # its connections went with that loop
            self._session = None
        if self._session is None or self._session.closed:
            self._loop = loop
            connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_S,
                                             ssl=httpx.create_ssl_context())  # the CA bundle httpx would use
            self._session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                                  auto_decompress=False)
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get('timeout', {})
        headers = [(name, value) for name, value in request.headers.multi_items()
                   if name.lower() != 'transfer-encoding']  # aiohttp chunks a body of unknown length itself
        body = _Body(request)
        with _errors(body):
            response = await self._session_for_loop().request(
                request.method, str(request.url), headers=headers, data=body.data(), allow_redirects=False,
                proxy=self._proxy_for(request.url),
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=timeout.get('connect'), sock_read=timeout.get('read'),
                    # aiohttp's connect covers waiting for a free connection and making it
                    connect=_sum(timeout.get('pool'), timeout.get('connect'))))
        return httpx.Response(response.status, headers=list(response.raw_headers),
                              stream=_ResponseStream(response, body), request=request,
                              extensions={'http_version': b'HTTP/1.1',
                                          'reason_phrase': (response.reason or '').encode('latin-1')})

    def _proxy_for(self, url: httpx.URL) -> str | None:
        """HTTP(S)_PROXY, ALL_PROXY and NO_PROXY, as httpx reads them; read once per host (aiohttp's `trust_env`
        reads them for every request, which cost more than the rest of sending one)."""
        key = (url.scheme, url.host)
        if key not in self._proxies:
            proxies = urllib.request.getproxies_environment()
            proxy = proxies.get(url.scheme) or proxies.get('all')
            bypassed = proxy is None or urllib.request.proxy_bypass_environment(url.host, proxies)
            self._proxies[key] = None if bypassed else proxy
        return self._proxies[key]

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Body:
    """The request's body for aiohttp, remembering what the body's own iterator raised."""

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self.raised: BaseException | None = None

    def data(self) -> bytes | AsyncIterator[bytes] | None:
        try:
            return self._request.content or None
        except httpx.RequestNotRead:  # a stream (a file being uploaded): read as it goes out
            return self._stream()

    async def _stream(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._request.stream:
                yield chunk
        except Exception as error:
            self.raised = error
            raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, body: _Body) -> None:
        self._response, self._body = response, body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _errors(self._body):
            async for chunk in self._response.content.iter_chunked(CHUNK_SIZE):
                yield chunk

    async def aclose(self) -> None:
        self._response.release()  # back to the pool when read to the end, closed otherwise


@contextmanager
def _errors(body: _Body) -> Iterator[None]:
    try:
        yield
    except (aiohttp.ClientError, OSError) as error:  # timeouts are OSErrors too
        if body.raised is not None:
            raise body.raised from None
        raise _translated(error) from error


def _translated(error: Exception) -> httpx.TransportError:
    message = str(error) or type(error).__name__
    if isinstance(error, aiohttp.ConnectionTimeoutError):  # no free connection, or none made, in time
        return httpx.ConnectTimeout(message)
    if isinstance(error, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message)
    if isinstance(error, TimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(error, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message)
    if isinstance(error, (aiohttp.ClientPayloadError, OSError)):
        return httpx.ReadError(message)
    return httpx.RemoteProtocolError(message)  # the answer was cut off or unreadable


def _sum(*seconds: float | None) -> float | None:
    return None if any(value is None for value in seconds) else sum(seconds)
