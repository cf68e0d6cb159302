"""Sending what the outbox holds: each row is claimed under a lease, as the engine claims a delivery, so two
processes never send the same row at once, and a row whose sender died is taken up again once its lease runs out.
A server that does not take it delays it (the wait doubles, up to an hour); nothing is ever dropped.

A row is marked sent only after the server took it: a crash between the two sends it once more, with the same
Message-ID (see mail.message), rather than losing it.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import select

from services.core import db
from services.core.config import Settings
from services.core.i18n import N_
from services.core.models import Notification, OutboxMessage, User
from services.core.periodic import Periodic
from services.notifications import digests, emails, inbox, mail, webhooks

log = logging.getLogger(__name__)
INTERVAL_S = 5.0
BATCH = 20
MAX_WAIT_S = 3600.0
SEND_TIMEOUT_S = max(mail.TIMEOUT_S, webhooks.TIMEOUT_S)  # a send may take this long: a lease outlasts it
NO_ADDRESS = N_('Enter your email address and save it first.')


class OutboxSender:
    """Sends due outbox rows every INTERVAL_S (and queues the digests that fell due) in the app's loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.instance = f'outbox-{uuid.uuid4().hex[:12]}'
        self._job = Periodic('outbox', self.run_once, first_delay_s=1.0, interval_s=INTERVAL_S)

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()

    async def run_once(self) -> int:
        """Queue due digests, then send every due row; returns how many were sent."""
        await asyncio.to_thread(digests.queue_due)
        sent = 0
        # One row per claim: its lease need only outlast one send. A refusal ends the run (a server that is down
        # is asked once per run, not once per waiting row).
        while claimed := await asyncio.to_thread(self.claim, 1):
            if not await asyncio.to_thread(self.send, claimed[0]):
                break
            sent += 1
        return sent

    def claim(self, limit: int = BATCH) -> list[int]:
        """Take up to `limit` due rows under this sender's lease (rows another process holds are skipped, not waited
        for); returns their ids."""
        lease = timedelta(seconds=self.settings.delivery_lease_seconds + SEND_TIMEOUT_S)
        with db.session() as session:
            now = db.database_now()
            due = select(OutboxMessage.id).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.given_up_at.is_(None), OutboxMessage.next_try_at <= now,
                sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
            ).order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
            ids = list(session.exec(due))
            if ids:
                session.exec(sa.update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
                    owner=self.instance, lease_until=now + lease, attempts=OutboxMessage.attempts + 1))
        return ids

    def send(self, message_id: int) -> bool:
        """Send one claimed row (an email, or a webhook call); True when the other side took it. A refusal sets the
        row's next try (see module)."""
        with db.session() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None or row.owner != self.instance or row.sent_at is not None:
                return False
            user = session.get(User, row.user_id) if row.user_id else None
            found = session.exec(select(Notification).where(
                Notification.id.in_(row.payload.get('notifications', [])))).all()
            entries = inbox.entries(session, found)
        if row.kind == webhooks.KIND:
            return self._call_webhook(row)
        if user is None or not user.email or not entries:  # done with: nobody to send it to now, or nothing
            self._finish(message_id, error='nothing to send: no recipient address or notifications')
            return False
        email = emails.notifications_email(user, entries, digest=bool(row.payload.get('digest')),
                                           base_url=self.settings.public_base_url)
        reference = f'outbox-{message_id}-{row.created_at:%Y%m%d%H%M%S}'
        try:
            mail.send(self.settings.smtp, mail.message(self.settings.smtp, user.email, email.subject, email.text,
                                                       email.html, language=email.language, reference=reference))
        except mail.MailError as error:
            self._retry_later(row, str(error))
            return False
        self._finish(message_id)
        return True

    def _call_webhook(self, row: OutboxMessage) -> bool:
        outcome = webhooks.call(row)
        if outcome.ok:
            self._finish(row.id)
        elif outcome.final:
            log.warning('webhook call %s given up: %s %s', row.id, outcome.status_code, outcome.answer)
            with db.session() as session:
                session.exec(sa.update(OutboxMessage).where(OutboxMessage.id == row.id,
                                                            OutboxMessage.owner == self.instance)
                             .values(given_up_at=db.database_now(), owner=None, lease_until=None,
                                     last_error=outcome.answer))
        else:
            self._retry_later(row, f'{outcome.status_code or ""} {outcome.answer}'.strip())
        return outcome.ok

    def _retry_later(self, row: OutboxMessage, error: str) -> None:
        wait = min(self.settings.outbox_retry_seconds * 2 ** (row.attempts - 1), MAX_WAIT_S)
        log.warning('%s %s not sent (try %s, next in %.0f s): %s', row.kind, row.id, row.attempts, wait, error)
        self._release(row.id, error, db.database_now() + timedelta(seconds=wait))

    def _finish(self, message_id: int, error: str | None = None) -> None:
        with db.session() as session:
            session.exec(sa.update(OutboxMessage).where(OutboxMessage.id == message_id,
                                                        OutboxMessage.owner == self.instance)
                         .values(sent_at=db.database_now(), owner=None, lease_until=None, last_error=error))

    def _release(self, message_id: int, error: str, next_try: datetime) -> None:
        with db.session() as session:
            session.exec(sa.update(OutboxMessage).where(OutboxMessage.id == message_id,
                                                        OutboxMessage.owner == self.instance)
                         .values(owner=None, lease_until=None, last_error=error, next_try_at=next_try))


def send_test_email(user_id: int, settings: Settings) -> str:
    """Send a test email to the user's address at once (not through the outbox: the user waits for the answer).
    Returns the address. Raises MailError (also when the user has no address or email is not set up)."""
    with db.session() as session:
        user = session.get(User, user_id)
    if user is None or not user.email:
        raise mail.MailError(NO_ADDRESS)
    email = emails.test_email(user)
    mail.send(settings.smtp, mail.message(settings.smtp, user.email, email.subject, email.text, email.html,
                                          language=email.language, reference=f'test-{uuid.uuid4().hex}'))
    return user.email


_sender: OutboxSender | None = None


def start_outbox(settings: Settings) -> OutboxSender:
    """Send the outbox from now on (once per process, however often start-up runs)."""
    global _sender
    if _sender is None:
        _sender = OutboxSender(settings)
    _sender.start()
    return _sender


async def stop_outbox() -> None:
    global _sender
    if _sender is not None:
        await _sender.stop()
    _sender = None
