"""Outgoing webhooks: addresses an administrator entered get the events they asked for as JSON, signed with
HMAC-SHA256 over the timestamp and the body, from the outbox (written in the transaction of the change).

The signature header reads `t=<unix time>,v1=<hex>`, where hex = HMAC-SHA256(secret, "<t>." + body): a receiver
recomputes it and refuses a timestamp older than a few minutes (a replayed call). Calls go only to the URL as
entered: redirects are never followed, and a redirect answer stops the retries (the admin must fix the address).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from sqlmodel import Session, select

from services.core import db
from services.core.config import get_settings
from services.core.crypto import decrypt_credentials, encrypt_credentials
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import OutboxMessage, User, Webhook, WebhookAttempt, utcnow
from services.team import audit, permissions

log = logging.getLogger(__name__)

KIND = 'webhook'
SIGNATURE_HEADER = 'X-Webhook-Signature'
TIMEOUT_S = 10.0
ANSWER_CHARS = 500
EVENTS: dict[str, str] = {  # in the order the page lists them
    'post.published': N_('A post was published'),
    'post.scheduled': N_('A post was scheduled'),
    'delivery.failed': N_('A post could not be published to a channel'),
    'delivery.interrupted': N_('A post was interrupted while being sent'),
    'post.missed': N_('A post missed its time'),
    'channel.needs_reconnect': N_('A channel needs reconnecting'),
}
BAD_URL = N_('Enter the full address the calls go to, starting with https:// (or http://).')
NO_EVENTS = N_('Choose at least one event.')
REDIRECT_REFUSED = 'redirect refused: calls go only to the address entered (answer %s, Location: %s)'


class WebhookRefused(UserError):
    """The address or events cannot be used."""


def create_webhook(actor: User, url: str, events: list[str], *, ip: str = '') -> tuple[Webhook, str]:
    """A webhook to `url` for `events`, with a new secret; returns it and the secret (shown once). Audited. Raises
    WebhookRefused, Forbidden."""
    permissions.require(actor, permissions.Action.MANAGE_WEBHOOKS, ip=ip)
    url, wanted = _checked(url, events)
    secret = secrets.token_urlsafe(32)
    with db.session() as session:
        webhook = Webhook(url=url, events=wanted, created_by=actor.id,
                          secret_encrypted=encrypt_credentials({'secret': secret}, get_settings().secret_key))
        session.add(webhook)
        session.flush()
        audit.record(session, audit.Action.WEBHOOK_CREATED, actor_id=actor.id, target=url, ip=ip,
                     detail=', '.join(wanted))
    return webhook, secret


def update_webhook(actor: User, webhook_id: int, url: str, events: list[str], *, ip: str = '') -> Webhook | None:
    """Point the webhook at `url` for `events` (its secret stays); None when it is gone. Audited, with the address
    it had when it changes. Raises WebhookRefused, Forbidden."""
    permissions.require(actor, permissions.Action.MANAGE_WEBHOOKS, ip=ip)
    url, wanted = _checked(url, events)
    with db.session() as session:
        webhook = session.get(Webhook, webhook_id)
        if webhook is None:
            return None
        before = webhook.url
        webhook.url, webhook.events = url, wanted
        session.add(webhook)
        moved = f'{before} → {url}; ' if before != url else ''
        audit.record(session, audit.Action.WEBHOOK_EDITED, actor_id=actor.id, target=url, ip=ip,
                     detail=moved + ', '.join(wanted))
        return webhook


def _checked(url: str, events: list[str]) -> tuple[str, list[str]]:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname or len(url) > 500:
        raise WebhookRefused(BAD_URL)
    wanted = [event for event in EVENTS if event in events]
    if not wanted:
        raise WebhookRefused(NO_EVENTS)
    return url, wanted


def delete_webhook(actor: User, webhook_id: int, *, ip: str = '') -> None:
    """Remove the webhook with its calls and their log. Audited. Raises Forbidden."""
    permissions.require(actor, permissions.Action.MANAGE_WEBHOOKS, ip=ip)
    with db.session() as session:
        webhook = session.get(Webhook, webhook_id)
        if webhook is not None:
            audit.record(session, audit.Action.WEBHOOK_DELETED, actor_id=actor.id, target=webhook.url, ip=ip)
            session.delete(webhook)


def list_webhooks() -> list[Webhook]:
    with db.session() as session:
        return list(session.exec(select(Webhook).order_by(Webhook.id)))


@dataclass(frozen=True)
class Call:
    """One call of a webhook and its attempts, newest first."""
    id: int
    event: str
    created_at: object
    sent: bool
    given_up: bool
    attempts: list[WebhookAttempt]


def recent_calls(webhook_id: int, limit: int = 20) -> list[Call]:
    with db.session() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.webhook_id == webhook_id)
                            .order_by(OutboxMessage.id.desc()).limit(limit)).all()
        tries = session.exec(select(WebhookAttempt).where(WebhookAttempt.outbox_id.in_([row.id for row in rows]))
                             .order_by(WebhookAttempt.id.desc())).all()
    return [Call(row.id, row.payload.get('event', ''), row.created_at, row.sent_at is not None,
                 row.given_up_at is not None, [one for one in tries if one.outbox_id == row.id]) for row in rows]


def send_again(actor: User, call_id: int, *, ip: str = '') -> int:
    """Queue the call's body once more (the same event id, so a receiver can tell a repeat); returns the new call's
    id. Audited. Raises Forbidden."""
    permissions.require(actor, permissions.Action.MANAGE_WEBHOOKS, ip=ip)
    with db.session() as session:
        row = session.get(OutboxMessage, call_id)
        if row is None or row.kind != KIND:
            return 0
        again = OutboxMessage(kind=KIND, webhook_id=row.webhook_id, payload=row.payload)
        session.add(again)
        session.flush()
        webhook = session.get(Webhook, row.webhook_id) if row.webhook_id else None
        audit.record(session, audit.Action.WEBHOOK_SENT_AGAIN, actor_id=actor.id,
                     target=webhook.url if webhook else '', ip=ip, detail=str(row.payload.get('event', '')))
        return again.id


def queue(session: Session, event: str, data: dict) -> int:
    """In `session`'s transaction, one outbox call per webhook that wants `event`; returns how many."""
    body = {'id': uuid.uuid4().hex, 'event': event, 'created_at': utcnow().isoformat(), 'data': data}
    hooks = _wanting(session, event)
    for hook in hooks:
        session.add(OutboxMessage(kind=KIND, webhook_id=hook.id, payload=body))
    return len(hooks)


def wanted(session: Session, event: str) -> bool:
    """Whether a webhook wants `event` (read once per transaction), so that its payload is read only then."""
    return bool(_wanting(session, event))


def _wanting(session: Session, event: str) -> list[Webhook]:
    if 'webhooks' not in session.info:  # read once per transaction: one may queue a call for each of many posts
        session.info['webhooks'] = list(session.exec(select(Webhook)))
    return [hook for hook in session.info['webhooks'] if event in (hook.events or [])]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b'.' + body, hashlib.sha256).hexdigest()
    return f't={timestamp},v1={digest}'


@dataclass(frozen=True)
class Outcome:
    ok: bool
    final: bool  # no use trying again as it is (a redirect, or a refusal of the request itself)
    status_code: int | None
    answer: str


def call(row: OutboxMessage) -> Outcome:
    """POST the row's body to its webhook's address, once; records the attempt. Never raises for the answer."""
    with db.session() as session:
        webhook = session.get(Webhook, row.webhook_id)
    if webhook is None:
        return Outcome(False, True, None, 'the webhook was removed')
    secret = decrypt_credentials(webhook.secret_encrypted, get_settings().secret_key).get('secret', '')
    body = json.dumps(row.payload, ensure_ascii=False, separators=(',', ':')).encode()
    headers = {'Content-Type': 'application/json', 'User-Agent': 'AnonymousCreations-Webhook/1',
               'X-Webhook-Event': row.payload.get('event', ''), 'X-Webhook-Id': row.payload.get('id', ''),
               SIGNATURE_HEADER: signature(secret, int(time.time()), body)}
    started = utcnow()
    try:
        response = httpx.post(webhook.url, content=body, headers=headers, timeout=TIMEOUT_S, follow_redirects=False)
    except httpx.HTTPError as error:
        outcome = Outcome(False, False, None, f'{type(error).__name__}: {error}'[:ANSWER_CHARS])
    else:
        outcome = _judge(response)
    try:
        with db.session() as session:
            session.add(WebhookAttempt(outbox_id=row.id, webhook_id=webhook.id, started_at=started,
                                       status_code=outcome.status_code, answer=outcome.answer, ok=outcome.ok))
    except sa.exc.IntegrityError:  # the webhook was deleted while its call was under way, and its calls with it
        log.info('webhook call %s ended after its webhook was deleted: nothing to record', row.id)
    return outcome


def _judge(response: httpx.Response) -> Outcome:
    status, text = response.status_code, response.text[:ANSWER_CHARS]
    if 200 <= status < 300:
        return Outcome(True, True, status, text)
    if 300 <= status < 400:
        return Outcome(False, True, status, REDIRECT_REFUSED % (status, response.headers.get('location', '')))
    # A refusal of the request itself will not change by sending it again; the receiver being busy or down will.
    final = 400 <= status < 500 and status not in (408, 425, 429)
    return Outcome(False, final, status, text)
