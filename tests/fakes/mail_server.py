"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every email it accepts, and can be taken down and brought
back up on the same port (a mail server that is away for a while).

    with MailServer() as server:
        ... SMTP_HOST=127.0.0.1, SMTP_PORT=server.port, SMTP_SECURITY=none ...
        [email] = server.received   # email.message.EmailMessage
"""
from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage
from types import TracebackType
from typing import Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _Keeper:
    def __init__(self, received: list[EmailMessage]) -> None:
        self.received = received

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's
        parsed = email.message_from_bytes(envelope.original_content or b'', policy=email.policy.default)
        parsed['X-Envelope-To'] = ', '.join(envelope.rcpt_tos)
        self.received.append(parsed)
        return '250 Message accepted for delivery'


class MailServer:
    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            self.port = probe.getsockname()[1]
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Keeper(self.received), hostname='127.0.0.1', port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
        self._controller = None

    @property
    def settings(self) -> dict[str, str]:
        """The app's environment variables that send to this server."""
        return {'SMTP_HOST': '127.0.0.1', 'SMTP_PORT': str(self.port), 'SMTP_SECURITY': 'none',
                'SMTP_FROM': 'dashboard@example.com'}

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.received if message['X-Envelope-To'] == address]

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
