"""The one way every request leaves (`base.send` over the shared client): what a failed request means. Only a
request none of whose bytes can have left is Retryable; one that may have reached the platform is OutcomeUnknown, so
the engine never sends a post twice. Each server here is a bare TCP server, to fail in exactly one way."""
from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from services.platforms import base
from services.platforms.base import MediaFile, OutcomeUnknown, Rejected, Retryable, read_span, send

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture(autouse=True)
async def fresh_http_client():
    yield
    await base.close_http_client()  # opened in this test's loop: later tests get their own


class Server:
    """A TCP server on 127.0.0.1 that hands each connection to `handler` and counts the requests it read."""

    def __init__(self, handler: Handler) -> None:
        self.handler, self.requests = handler, 0

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, '127.0.0.1', 0)
        return f'http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}'

    async def __aexit__(self, *exc_info: object) -> None:
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self.handler(reader, writer)
        finally:
            writer.close()

    async def read_request(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b'\r\n\r\n')
        length = next((int(line.split(b':')[1]) for line in head.split(b'\r\n')
                       if line.lower().startswith(b'content-length:')), 0)
        body = await reader.readexactly(length)
        self.requests += 1
        return body


def answer(body: bytes, *headers: str) -> bytes:
    head = '\r\n'.join(['HTTP/1.1 200 OK', f'Content-Length: {len(body)}', 'Content-Type: application/json',
                        'Connection: close', *headers])  # each server here serves one request per connection
    return f'{head}\r\n\r\n'.encode() + body


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]  # nothing listens there once the socket is closed


async def test_a_platform_that_cannot_be_reached_is_retryable_the_request_never_left():
    with pytest.raises(Retryable, match='Telegram could not be reached'):
        await send('Telegram', 'POST', f'http://127.0.0.1:{closed_port()}/sendMessage', data={'text': 'Hi'})


async def test_a_connection_closed_after_the_post_was_read_is_an_unknown_outcome_and_it_is_not_sent_again():
    async def read_then_hang_up(reader, writer):
        await server.read_request(reader)

    server = Server(read_then_hang_up)
    async with server as url:
        with pytest.raises(OutcomeUnknown):
            await send('Telegram', 'POST', f'{url}/sendMessage', data={'text': 'Hi'})
    assert server.requests == 1


async def test_no_answer_in_time_is_an_unknown_outcome():
    async def read_then_wait(reader, writer):
        await server.read_request(reader)
        await asyncio.sleep(5)

    server = Server(read_then_wait)
    async with server as url:
        with pytest.raises(OutcomeUnknown):
            await send('Telegram', 'POST', f'{url}/sendMessage', data={'text': 'Hi'}, timeout=httpx.Timeout(0.3))


async def test_a_read_whose_connection_was_dropped_once_is_sent_again_at_once_a_post_is_not():
    async def drop_the_first(reader, writer):
        await server.read_request(reader)
        if server.requests > 1:
            writer.write(answer(b'{"ok": true}'))
            await writer.drain()

    server = Server(drop_the_first)
    async with server as url:
        response = await send('YouTube', 'GET', f'{url}/videos')
    assert (response.json(), server.requests) == ({'ok': True}, 2)


async def test_a_compressed_answer_is_read_as_the_platform_sent_it():
    payload = {'ok': True, 'result': {'message_id': 7, 'text': 'مرحبا'}}

    async def gzipped(reader, writer):
        await server.read_request(reader)
        writer.write(answer(gzip.compress(json.dumps(payload).encode()), 'Content-Encoding: gzip'))
        await writer.drain()

    server = Server(gzipped)
    async with server as url:
        response = await send('Telegram', 'POST', f'{url}/sendMessage', data={'text': 'مرحبا'})
    assert response.json() == payload


async def test_an_upload_streams_the_file_with_its_length_and_a_file_cut_short_is_rejected_as_itself(tmp_path: Path):
    video = tmp_path / 'clip.mp4'
    video.write_bytes(b'v' * 300_000)
    received = []

    async def keep_body(reader, writer):
        received.append(await server.read_request(reader))
        writer.write(answer(b'{}'))
        await writer.drain()

    server = Server(keep_body)
    media = MediaFile(video, 'video/mp4')
    async with server as url:
        await send('TikTok', 'PUT', f'{url}/upload', headers={'Content-Length': '300000'},
                   content=read_span(media, 0, 300_000, block=64 * 1024))
        assert received == [b'v' * 300_000]

        video.write_bytes(b'v' * 1000)  # the file changed on disk during the upload
        with pytest.raises(Rejected, match='became shorter'):
            await send('TikTok', 'PUT', f'{url}/upload', headers={'Content-Length': '300000'},
                       content=read_span(media, 0, 300_000, block=64 * 1024))


async def test_requests_go_through_the_proxy_the_environment_names_except_for_hosts_it_exempts(monkeypatch):

    async def proxy(reader, writer):
        await server.read_request(reader)
        writer.write(answer(b'{"via": "proxy"}'))
        await writer.drain()

    server = Server(proxy)
    async with server as url:
        monkeypatch.setenv('HTTP_PROXY', url)
        monkeypatch.setenv('NO_PROXY', 'exempt.invalid')
        response = await send('Telegram', 'GET', 'http://api.platform.invalid/getMe')
        assert (response.json(), server.requests) == ({'via': 'proxy'}, 1)
        with pytest.raises(Retryable):  # straight to a host that does not exist
            await send('Telegram', 'GET', 'http://exempt.invalid/getMe')
    assert server.requests == 1


async def test_a_cookie_one_answer_sets_never_goes_out_with_a_later_request():
    requests = []

    async def set_a_cookie(reader, writer):
        head = await reader.readuntil(b'\r\n\r\n')
        requests.append(head.lower())
        writer.write(answer(b'{}', 'Set-Cookie: session=account-a; Path=/'))
        await writer.drain()

    server = Server(set_a_cookie)
    async with server as url:
        await send('Instagram', 'GET', f'{url}/me', params={'access_token': 'a'})
        await send('Instagram', 'GET', f'{url}/me', params={'access_token': 'b'})
    assert len(requests) == 2 and b'cookie:' not in requests[1]
