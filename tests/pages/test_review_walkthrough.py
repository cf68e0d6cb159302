"""The approval issue's "done when", tried as a new team would: the admin adds a contributor on the Team page, who
drafts and submits; the editor hears of it, requests a change with a comment; the contributor edits and submits
again; the editor approves; the post goes out at its time, once; every step is on the post's page and in the audit
log, in English and in Arabic."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from nicegui.testing import User
from sqlmodel import select

from services.core import db, i18n
from services.core.models import Notification, Post, PostStatus, Role, utcnow
from services.publishing import due_timer
from services.publishing.engine import get_engine
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.harness import own_password, post_of, teammate

pytestmark = pytest.mark.both_databases

P = PostStatus
STEPS = ['%(name)s submitted the post for review', '%(name)s requested changes', '%(name)s submitted the post for '
         'review', '%(name)s approved the post']
AUDITED = ['Post approved', 'Post submitted for review', 'Changes requested to a post', 'Post submitted for review']


def only_post() -> Post | None:
    with db.session() as session:
        return session.exec(select(Post)).one_or_none()


def told(user_id: int, kind: str) -> int:
    """The id of the user's notification of `kind`."""
    with db.session() as session:
        return session.exec(select(Notification.id).where(Notification.user_id == user_id,
                                                          Notification.kind == kind)).one()


def timeline_lines(user: User) -> list[str]:
    """The post page's timeline as read top to bottom: each step's sentence and each comment's text."""
    lines = []
    for element in user.find(marker='timeline').elements.pop().descendants():
        if 'step' in element._markers:
            lines.append(next(e.text for e in element.descendants() if 'font-medium' in e.classes))
        elif 'comment-text' in element._markers:
            lines.append(element.text)
    return lines


def expected_timeline(language: str) -> list[str]:
    names = ['carl', 'edith', 'carl', 'edith']
    lines = [i18n.translate(language, step, name=name) for step, name in zip(STEPS, names, strict=True)]
    return [*lines[:2], 'Say which Monday', *lines[2:]]


def post_rows(user: User, post_id: int, language: str) -> list[tuple[str, str]]:
    """The audit log's rows about the post, newest first: (who, what)."""
    about = i18n.translate(language, 'Post %(id)s', id=post_id)
    return [(row['who'], row['what']) for row in user.find(marker='audit-table').elements.pop().rows
            if row['target'] == about]


async def test_a_new_contributor_gets_a_post_approved_and_it_goes_out_at_its_time_with_every_step_on_record(
        telegram, user: User, admin, create_user: Callable[[], User]):
    edith = teammate('edith', Role.EDITOR)
    await open_signed_in(user, *ADMIN, '/users')  # the admin adds the contributor on the Team page
    user.find(marker='new-username').type('carl')
    user.find(marker='new-role').elements.pop().set_value(Role.CONTRIBUTOR.value)
    user.find(marker='add-user').click()
    await user.should_see(marker='temporary-password', retries=40)
    temporary = user.find(marker='temporary-password').elements.pop().text

    carl = create_user()  # first sign-in: a password of their own, then the composer
    await open_signed_in(carl, 'carl', temporary)
    await carl.should_see(marker='must-change')
    carl.find(marker='current').type(temporary)
    for field in ('new', 'repeat'):
        carl.find(marker=field).type('carl has his own now')
    carl.find(marker='save-password').click()
    await carl.should_see(marker='welcome', retries=40)
    await carl.open('/compose')
    carl.find(marker='platform-telegram').elements.pop().set_value(True)
    carl.find(marker='post-text').type('Launch on Monday')
    carl.find(marker='schedule-date').elements.pop().set_value((utcnow() + timedelta(days=2)).strftime('%Y-%m-%d'))
    carl.find(marker='save-draft').click()
    await eventually(lambda: only_post() is not None)
    post_id = only_post().id
    await eventually(lambda: carl.back_history[-1] == f'/compose?post={post_id}')  # the draft's own address
    await carl.should_see(marker='submit-review', retries=40)
    carl.find(marker='submit-review').click()
    await eventually(lambda: post_of(post_id).status == P.IN_REVIEW)

    editor = create_user()  # the editor hears of it, and asks for a change
    await open_signed_in(editor, 'edith', own_password('edith'))
    await editor.should_see(marker='bell-count', retries=40)
    editor.find(marker='bell').click()
    await editor.should_see('“Launch on Monday” awaits your review.')
    editor.find(marker=f'notification-{told(edith.id, "post_awaits_review")}').click()
    await editor.should_see(marker='request-changes', retries=40)
    editor.find(marker='request-changes').click()
    await editor.should_see(marker='review-comment', retries=20)
    editor.find(marker='review-comment').type('Say which Monday')
    editor.find(marker='confirm-decline').click()
    await eventually(lambda: post_of(post_id).status == P.DRAFT)

    await carl.open(f'/compose?post={post_id}')  # the contributor edits and submits again
    await carl.should_see(marker='submit-review', retries=40)
    carl.find(marker='post-text').elements.pop().set_value('Launch on Monday 14 December')
    carl.find(marker='submit-review').click()
    await eventually(lambda: (post_of(post_id).status, post_of(post_id).review_round) == (P.IN_REVIEW, 2))

    await editor.open(f'/history/{post_id}')  # the editor approves: scheduled for its time, nothing sent yet
    await editor.should_see('Launch on Monday 14 December')
    editor.find(marker='approve').click()
    await eventually(lambda: post_of(post_id).status == P.SCHEDULED)
    wanted = post_of(post_id).scheduled_at
    assert due_timer.get_scheduler().next_run(post_id) == wanted
    await get_engine().wait_idle()
    assert telegram.sent == []

    with db.session() as session:  # its time comes
        session.exec(sa.update(Post).where(Post.id == post_id).values(scheduled_at=utcnow() - timedelta(seconds=1)))
    await due_timer.fire(post_id)  # the post's own job
    await due_timer.get_scheduler().fire_due()  # and the safety net after it: still sent once
    await get_engine().wait_idle()
    assert [(m.method, m.text) for m in telegram.sent] == [('sendMessage', 'Launch on Monday 14 December')]
    await eventually(lambda: post_of(post_id).status == P.PUBLISHED)

    await user.open(f'/history/{post_id}')  # every step, on the post's page and in the audit log
    await user.should_see('Published', retries=40)
    assert timeline_lines(user) == expected_timeline('en')
    await user.open('/audit')
    assert post_rows(user, post_id, 'en') == list(zip(['edith', 'carl', 'edith', 'carl'], AUDITED, strict=True))

    user.find(marker='language-switch').elements.pop().set_value('ar')  # the same, in Arabic
    await user.should_see('سجل التدقيق', retries=40)
    assert post_rows(user, post_id, 'ar') == list(zip(
        ['edith', 'carl', 'edith', 'carl'], [i18n.translate('ar', what) for what in AUDITED], strict=True))
    await user.open(f'/history/{post_id}')
    await user.should_see(marker='timeline', retries=40)
    assert timeline_lines(user) == expected_timeline('ar')
    assert timeline_lines(user)[0] == 'أرسل carl المنشور للمراجعة'
