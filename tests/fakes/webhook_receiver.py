"""A webhook receiver on 127.0.0.1 that checks what a real one should: the HMAC-SHA256 signature over
"<timestamp>.<body>" with the shared secret, and a timestamp no older than five minutes (a replay).

    with WebhookReceiver() as receiver:
        receiver.secret = secret              # as the admin copied it into the receiving tool
        receiver.answers = [500]              # the next call gets a 500, then 200s
        receiver.verified                     # the bodies of calls whose signature checked out
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tests.fakes import FakeServer

MAX_AGE_S = 300


class WebhookReceiver(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.secret = ''
        self.answers: list[int] = []  # statuses to answer with, in turn; 200 once they run out
        self.calls: list[dict[str, Any]] = []  # every call: path, headers, body, whether it verified, our answer
        self.redirect_to = ''  # when set, every call is answered 302 to this address

    @property
    def verified(self) -> list[dict[str, Any]]:
        return [json.loads(call['body']) for call in self.calls if call['verified'] and call['status'] == 200]

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        body = await request.body()
        verified = self.verify(request.headers.get('x-webhook-signature', ''), body)
        if self.redirect_to:
            status, headers = 302, {'location': self.redirect_to}
        else:
            status, headers = (self.answers.pop(0) if self.answers else 200) if verified else 401, {}
        self.calls.append({'path': scope['path'], 'headers': dict(request.headers), 'body': body,
                           'verified': verified, 'status': status})
        await Response('ok' if status == 200 else f'answer {status}', status_code=status, headers=headers)(
            scope, receive, send)

    def verify(self, header: str, body: bytes, now: float | None = None) -> bool:
        parts = dict(part.split('=', 1) for part in header.split(',') if '=' in part)
        try:
            timestamp = int(parts['t'])
        except (KeyError, ValueError):
            return False
        expected = hmac.new(self.secret.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()
        fresh = abs((now or time.time()) - timestamp) <= MAX_AGE_S
        return fresh and hmac.compare_digest(expected, parts.get('v1', ''))
