"""A fake "Echo" platform on 127.0.0.1: a test-only fifth platform with the smallest API that still behaves like one.

    GET  /v1/me      Authorization: Bearer <token>   → {"name": "..."}
    POST /v1/posts   Authorization: Bearer <token>   {"text": "..."} → {"id": "...", "url": "..."}

A wrong token gets 401 {"error": "..."}; an empty text 400 {"error": "..."}.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from tests.fakes import FakeServer, read_params

DEFAULT_TOKEN = 'echo-fake-token-0123456789'


@dataclass(frozen=True)
class EchoPost:
    id: str
    text: str


class FakeEcho(FakeServer):
    def __init__(self, token: str = DEFAULT_TOKEN, name: str = 'Echo Bot') -> None:
        super().__init__()
        self.token, self.name = token, name
        self.posts: list[EchoPost] = []
        self._ids = itertools.count(1)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        params, _files = await read_params(request)
        status, body = self._answer(request.method, scope['path'], request.headers.get('authorization', ''), params)
        await JSONResponse(body, status_code=status)(scope, receive, send)

    def _answer(self, method: str, path: str, authorization: str, params: dict[str, Any]) -> tuple[int, Any]:
        if authorization != f'Bearer {self.token}':
            return 401, {'error': 'unknown token'}
        if (method, path) == ('GET', '/v1/me'):
            return 200, {'name': self.name}
        if (method, path) == ('POST', '/v1/posts'):
            text = str(params.get('text') or '')
            if not text:
                return 400, {'error': 'text is empty'}
            post = EchoPost(f'e{next(self._ids)}', text)
            self.posts.append(post)
            return 200, {'id': post.id, 'url': f'https://echo.example/p/{post.id}'}
        return 404, {'error': f'no {method} {path}'}
