"""The one owner of post and delivery status: which moves are allowed, and the transaction that makes them.

Every status change in the app is made through a `Change` (from `transaction()`): a move is a conditional UPDATE on
the row's current status, checked by its row count, so a post or delivery that another task, tab or process moved
meanwhile is never changed behind its back. A change announces what it changed (`announce_post` or
`announce_delivery`, once per change and subject); the event goes out after the commit, never for a rollback.
The people and webhooks to tell of a move (a delivery failed, a post missed) are written in the same transaction.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from services.core import db, event_bus, events
from services.core.models import Delivery, DeliveryAttempt, DeliveryStatus, Post, PostStatus, utcnow
from services.notifications import moves as outgoing

P, D = PostStatus, DeliveryStatus

# Where each status may go. A use case may narrow the sources further (reschedule takes scheduled or missed posts).
POST_MOVES: dict[str, frozenset[str]] = {
    P.DRAFT: frozenset({P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING}),  # saved again, submitted, scheduled, now
    # saved again or submitted again (a new round); approved (scheduled or now), changes requested, rejected
    P.IN_REVIEW: frozenset({P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING, P.REJECTED}),
    P.REJECTED: frozenset({P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING}),  # reworked
    # ..., fell due or missed; edited after approval, or its channel came to need approval: back to review
    P.SCHEDULED: frozenset({P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING, P.MISSED, P.CANCELLED}),
    P.MISSED: frozenset({P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING, P.CANCELLED}),
    P.CANCELLED: frozenset({P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING}),  # edited and saved again
    P.PUBLISHING: frozenset({P.PUBLISHED, P.PARTLY_PUBLISHED, P.FAILED}),  # settled by its deliveries
    P.PARTLY_PUBLISHED: frozenset({P.PUBLISHING}),  # a failed delivery retried
    P.FAILED: frozenset({P.PUBLISHING}),
    P.PUBLISHED: frozenset(),
}
NEW_POST = frozenset({P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING})  # what a post may be when first saved
EDITABLE = frozenset(source for source, targets in POST_MOVES.items() if P.DRAFT in targets)

DELIVERY_MOVES: dict[str, frozenset[str]] = {
    # claimed just before its request; no account to send with (nothing was sent); its post cancelled
    D.PENDING: frozenset({D.PUBLISHING, D.FAILED, D.CANCELLED}),
    # sent; refused or given up; waiting to try again (the request did not take effect); the app stopped meanwhile
    D.PUBLISHING: frozenset({D.PUBLISHED, D.FAILED, D.PENDING, D.INTERRUPTED}),
    D.FAILED: frozenset({D.PENDING}),  # retried
    D.INTERRUPTED: frozenset({D.PENDING}),  # retried once the user checked the platform
    D.CANCELLED: frozenset({D.PENDING}),  # its post saved again
    D.PUBLISHED: frozenset(),
}


class IllegalMove(ValueError):
    """A move the tables above do not allow was asked for: a bug in the caller, never the user's doing."""


class Change:
    """One transaction of status changes on `session`; use it through `transaction()`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._announced: dict[tuple[str, int], None] = {}
        self.moves: list[tuple[str, int, str]] = []  # ('post' or 'delivery', id, the status it moved to)
        self._attempts: list[dict[str, Any]] = []

    def new_post(self, author_id: int, status: str, **values: Any) -> Post:
        """A new post in `status` (draft, in review, scheduled or publishing) with its other columns `values`, added
        to the session and flushed."""
        if status not in NEW_POST:
            raise IllegalMove(f'a new post cannot be {status}')
        post = Post(author_id=author_id, status=status, **values)
        self.session.add(post)
        self.session.flush()
        self.moves.append(('post', post.id, status))
        return post

    def new_delivery(self, post_id: int, platform: str, channel_id: int) -> Delivery:
        delivery = Delivery(post_id=post_id, platform=platform, channel_id=channel_id, status=D.PENDING)
        self.session.add(delivery)
        return delivery

    def move_post(self, post_id: int, to: str, *, only_from: Iterable[str] | None = None,
                  where: Iterable[Any] = (), **values: Any) -> bool:
        """Move the post to `to` if its status is one that may (narrowed to `only_from`) and `where` holds; other
        columns take `values`. False when it was not in such a status (or is gone). Raises IllegalMove."""
        sources = _sources(POST_MOVES, to, only_from)
        moved = self.session.exec(sa.update(Post).where(Post.id == post_id, Post.status.in_(sources), *where)
                                  .values(status=to, updated_at=utcnow(), **values)).rowcount
        if moved == 1:
            self.moves.append(('post', post_id, to))
        return moved == 1

    def move_posts(self, to: str, *, only_from: Iterable[str] | None = None, where: Iterable[Any] = ()) -> list[int]:
        """`move_post` for every post meeting `where`; returns the ids of those moved."""
        sources = _sources(POST_MOVES, to, only_from)
        moved = list(self.session.exec(sa.update(Post).where(Post.status.in_(sources), *where)
                                       .values(status=to, updated_at=utcnow()).returning(Post.id)).scalars())
        self.moves.extend(('post', post_id, to) for post_id in moved)
        return moved

    def remove_post(self, post_id: int, *, only_from: Iterable[str]) -> bool:
        """Delete the post (its deliveries, attempts and media links go with it) if its status is in `only_from`."""
        return self.session.exec(sa.delete(Post).where(Post.id == post_id, Post.status.in_(list(only_from)))
                                 ).rowcount == 1

    def move_delivery(self, delivery_id: int, to: str, *, only_from: Iterable[str] | None = None,
                      where: Iterable[Any] = (), **values: Any) -> bool:
        """Move the delivery to `to` if its status is one that may (narrowed to `only_from`) and it meets `where`;
        other columns take `values`. False when it was not in such a status (another task or process has moved it).
        Raises IllegalMove."""
        sources = _sources(DELIVERY_MOVES, to, only_from)
        moved = self.session.exec(sa.update(Delivery).where(Delivery.id == delivery_id, Delivery.status.in_(sources),
                                                            *where)
                                  .values(status=to, updated_at=utcnow(), **values)).rowcount
        if moved == 1:
            self.moves.append(('delivery', delivery_id, to))
        return moved == 1

    def move_deliveries(self, to: str, *, only_from: Iterable[str] | None = None, where: Iterable[Any] = (),
                        **values: Any) -> list[tuple[int, int]]:
        """`move_delivery` for every delivery meeting `where`; returns (delivery id, post id) of those moved."""
        sources = _sources(DELIVERY_MOVES, to, only_from)
        moved = [tuple(row) for row in self.session.exec(
            sa.update(Delivery).where(Delivery.status.in_(sources), *where)
            .values(status=to, updated_at=utcnow(), **values).returning(Delivery.id, Delivery.post_id))]
        self.moves.extend(('delivery', delivery_id, to) for delivery_id, _ in moved)
        return moved

    def record_attempt(self, delivery_id: int, outcome: str, started: datetime, *, error: str | None = None,
                       remote_id: str | None = None, remote_url: str | None = None) -> None:
        """One line of the delivery's attempt log, ending now (written with the others at the next `flush`)."""
        self._attempts.append({'delivery_id': delivery_id, 'started_at': started, 'finished_at': utcnow(),
                               'outcome': outcome, 'error_detail': error, 'remote_id': remote_id,
                               'remote_url': remote_url})

    def flush(self) -> None:
        """Write what the session holds and the attempts recorded so far (one statement for them all: a batch of
        ended deliveries logs many)."""
        self.session.flush()
        if self._attempts:
            self.session.execute(sa.insert(DeliveryAttempt.__table__), self._attempts)
            self._attempts = []

    def move_each(self, to_by_delivery: dict[int, tuple[str, dict[str, Any]]], *, only_from: Iterable[str]
                  ) -> list[tuple[int, int]]:
        """`move_delivery` for many deliveries at once, each to its own status with its own `values` ({id: (status,
        values)}), those still in a status of `only_from` (locked while they move); returns (delivery id, post id)
        of those moved. Raises IllegalMove."""
        only_from = list(only_from)
        for to, _values in to_by_delivery.values():
            _sources(DELIVERY_MOVES, to, only_from)
        movable = dict(self.session.exec(select(Delivery.id, Delivery.post_id).where(
            Delivery.id.in_(list(to_by_delivery)), Delivery.status.in_(only_from)).with_for_update()).all())
        now = utcnow()
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for delivery_id, (to, values) in to_by_delivery.items():
            if delivery_id in movable:
                by_columns.setdefault(tuple(values), []).append({'moving_id': delivery_id, 'status': to, **values})
                self.moves.append(('delivery', delivery_id, to))
        table = Delivery.__table__
        for columns, rows in by_columns.items():  # by primary key, one statement per set of columns
            self.session.execute(sa.update(table).where(table.c.id == sa.bindparam('moving_id')).values(
                updated_at=now, **{name: sa.bindparam(name) for name in ('status', *columns)}), rows)
        return [(delivery_id, movable[delivery_id]) for delivery_id in to_by_delivery if delivery_id in movable]

    def settle_posts(self, post_ids: Iterable[int]) -> None:
        """Each post's status follows its deliveries: publishing while one waits or is being sent, then published,
        partly published or failed."""
        post_ids = sorted(set(post_ids))
        if not post_ids:
            return
        self.flush()
        # locked first, and the deliveries read after, by a statement of their own (so as they are once the lock is
        # held): two processes ending the last two deliveries of one post would each see the other's as still being
        # sent, and leave the post publishing for ever
        current = dict(self.session.exec(select(Post.id, Post.status).where(Post.id.in_(post_ids))
                                         .order_by(Post.id).with_for_update()).all())
        statuses: dict[int, list[str]] = {post_id: [] for post_id in post_ids}
        for post_id, status in self.session.exec(select(Delivery.post_id, Delivery.status)
                                                 .where(Delivery.post_id.in_(post_ids))):
            statuses[post_id].append(status)
        moving: dict[str, list[int]] = {}
        for post_id, of_deliveries in statuses.items():
            target = _settled(of_deliveries)
            if post_id in current and current[post_id] != target:
                moving.setdefault(target, []).append(post_id)
        for target, ids in moving.items():
            self.move_posts(target, where=[Post.id.in_(ids)])

    def announce_post(self, post_id: int) -> None:
        """After the commit, PostScheduleChanged tells of the post as it is then (status None once deleted)."""
        self._announced[('post', post_id)] = None

    def announce_delivery(self, delivery_id: int) -> None:
        """After the commit, DeliveryChanged tells of the delivery and its post's status as they are then."""
        self._announced[('delivery', delivery_id)] = None

    def events(self) -> list[events.DeliveryChanged | events.PostScheduleChanged]:
        """What was announced, read in this transaction (so as it will be committed): one read for the posts and one
        for the deliveries, however many changed."""
        self.session.flush()
        post_ids = [subject for kind, subject in self._announced if kind == 'post']
        delivery_ids = [subject for kind, subject in self._announced if kind == 'delivery']
        posts = {row[0]: row[1:] for row in self.session.exec(
            select(Post.id, Post.status, Post.scheduled_at).where(Post.id.in_(post_ids)))} if post_ids else {}
        # columns, not objects: this runs after every change of every delivery, often many at once
        deliveries = {row[0]: row[1:] for row in self.session.exec(
            select(Delivery.id, Delivery.post_id, Delivery.platform, Delivery.channel_id, Delivery.status,
                   Post.status, Post.author_id, Delivery.last_error, Delivery.remote_url)
            .join(Post, Post.id == Delivery.post_id).where(Delivery.id.in_(delivery_ids)))} if delivery_ids else {}
        return [events.PostScheduleChanged(subject, *posts.get(subject, (None, None))) if kind == 'post'
                else _delivery_event(subject, *deliveries[subject]) for kind, subject in self._announced]


def _delivery_event(delivery_id: int, post_id: int, platform: str, channel_id: int, status: str, post_status: str,
                    author_id: int, error: str | None, remote_url: str | None) -> events.DeliveryChanged:
    return events.DeliveryChanged(post_id=post_id, delivery_id=delivery_id, platform=platform, channel_id=channel_id,
                                  status=status, post_status=post_status, author_id=author_id, error=error,
                                  remote_url=remote_url)


@contextmanager
def transaction() -> Iterator[Change]:
    """A transaction for status changes: committed when the block ends (rolled back on an error), then what it
    announced is emitted."""
    with db.session() as session:
        change = Change(session)
        yield change
        change.flush()
        outgoing.after_moves(session, change.moves)
        announced = change.events()
        event_bus.notify(session, announced)  # other processes hear it when, and only if, this commits
    for event in announced:
        events.emit(event)


def _settled(statuses: list[str]) -> str:
    if any(status in (D.PENDING, D.PUBLISHING) for status in statuses):
        return P.PUBLISHING
    if statuses and all(status == D.PUBLISHED for status in statuses):
        return P.PUBLISHED
    return P.PARTLY_PUBLISHED if D.PUBLISHED in statuses else P.FAILED


def _sources(moves: dict[str, frozenset[str]], to: str, only_from: Iterable[str] | None) -> list[str]:
    allowed = {source for source, targets in moves.items() if to in targets}
    if only_from is None:
        return sorted(allowed)
    wanted = set(only_from)
    if not wanted <= allowed:
        raise IllegalMove(f'{sorted(wanted - allowed)} may not become {to}')
    return sorted(wanted)
