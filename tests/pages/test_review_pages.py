"""Review as a team lives it: a contributor drafts and submits from the composer, an editor finds it in the review
queue, requests changes with a comment, the contributor edits and submits again, the editor approves; the
discussion shows up live on every open page of the post, and a mention notifies."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from nicegui.testing import User
from sqlmodel import select

from services.core import db
from services.core.models import AuditEvent, Notification, Post, PostStatus, Role, utcnow
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.harness import draft, own_password, post_of, teammate
from tests.harness.builders import listed

pytestmark = pytest.mark.both_databases

P = PostStatus


def only_post() -> Post | None:
    with db.session() as session:
        return session.exec(select(Post)).one_or_none()


def audited(post_id: int) -> list[str]:
    with db.session() as session:
        return list(session.exec(select(AuditEvent.action).where(AuditEvent.target == str(post_id),
                                                                 AuditEvent.action.startswith('post.'))
                                 .order_by(AuditEvent.id)))


async def test_a_contributor_submits_the_editor_requests_changes_and_approves_the_edited_post(
        user: User, admin, create_user: Callable[[], User]):
    listed('telegram')
    teammate('carl', Role.CONTRIBUTOR)
    teammate('edith', Role.EDITOR)
    await open_signed_in(user, 'carl', own_password('carl'), '/compose')
    await user.should_not_see(marker='publish-now')
    await user.should_not_see(marker='schedule')
    user.find(marker='platform-telegram').elements.pop().set_value(True)
    user.find(marker='post-text').type('Launch on Monday')
    tomorrow = (utcnow() + timedelta(days=1)).strftime('%Y-%m-%d')
    user.find(marker='schedule-date').elements.pop().set_value(tomorrow)
    user.find(marker='submit-review').click()
    await eventually(lambda: only_post() is not None and only_post().status == P.IN_REVIEW)
    post_id = only_post().id
    await user.should_see('Submitted for review. The reviewers have been told.', retries=20)
    await user.should_not_see(marker='approve')  # the author's own page: no decision buttons

    editor = create_user()
    await open_signed_in(editor, 'edith', own_password('edith'), '/review')
    await editor.should_see(marker='review-count')
    await editor.should_see('Launch on Monday')
    await editor.open(f'/history/{post_id}')
    editor.find(marker='request-changes').click()
    await editor.should_see(marker='review-comment', retries=20)
    editor.find(marker='review-comment').type('Say which Monday')
    editor.find(marker='confirm-decline').click()
    await eventually(lambda: post_of(post_id).status == P.DRAFT)
    await user.should_see('Say which Monday', retries=20)  # live, on the author's open page of the post
    await user.should_see('edith requested changes')

    await user.open(f'/compose?post={post_id}')
    await user.should_see(marker='submit-review')
    user.find(marker='post-text').elements.pop().set_value('Launch on Monday 14 December')
    user.find(marker='submit-review').click()
    await eventually(lambda: (post_of(post_id).status, post_of(post_id).review_round) == (P.IN_REVIEW, 2))

    await editor.open(f'/history/{post_id}')
    await editor.should_see('Launch on Monday 14 December')
    editor.find(marker='approve').click()  # its wanted time is ahead: approved without a question
    await eventually(lambda: post_of(post_id).status == P.SCHEDULED)
    await editor.should_see('edith approved the post', retries=20)
    assert audited(post_id) == ['post.submit', 'post.request_changes', 'post.submit', 'post.approve']


async def test_a_comment_appears_live_on_every_open_page_and_notifies_whom_it_mentions(
        user: User, admin, create_user: Callable[[], User]):
    listed('telegram')
    edith = teammate('edith', Role.EDITOR)
    teammate('vera', Role.VIEWER)
    post_id = draft('Our next post', author_id=admin.id)
    await open_signed_in(user, *ADMIN, f'/history/{post_id}')
    other = create_user()
    await open_signed_in(other, 'edith', own_password('edith'), f'/history/{post_id}')
    await other.should_see('No comments yet.')

    user.find(marker='comment-box').type('@edith could you check the picture?')
    user.find(marker='send-comment').click()
    await other.should_see('@edith could you check the picture?', retries=20)
    await user.should_see('@edith could you check the picture?', retries=20)
    with db.session() as session:
        told = list(session.exec(select(Notification.user_id).where(Notification.kind == 'mentioned')))
    assert told == [edith.id]

    viewer = create_user()
    await open_signed_in(viewer, 'vera', own_password('vera'), f'/history/{post_id}')
    await viewer.should_see('@edith could you check the picture?')
    await viewer.should_not_see(marker='comment-box')  # viewers read the discussion only


async def test_a_contributor_reads_a_teammates_post_without_buttons_that_would_be_refused(user: User, admin):
    listed('telegram')
    teammate('carl', Role.CONTRIBUTOR)
    edith = teammate('edith', Role.EDITOR)
    post_id = draft('The editor’s own words', author_id=edith.id)
    await open_signed_in(user, 'carl', own_password('carl'), f'/compose?post={post_id}')
    await user.should_see('The editor’s own words')
    whose = user.find(marker='whose-post').elements.pop().text
    assert whose == 'This is \u2068edith\u2069’s post: you can read it here and comment on it on its page.'
    for button in ('save-draft', 'submit-review', 'schedule', 'publish-now', 'delete-post', 'unschedule'):
        await user.should_not_see(marker=button)
    assert not user.find(marker='post-text').elements.pop().enabled

    user.find(marker='open-post-page').click()
    await user.should_see('you can read it and comment on it below', retries=20)
    await user.should_not_see(marker='edit-post')
    await user.should_not_see(marker='open-post')
    user.find(marker='comment-box').type('Could I take this one?')
    user.find(marker='send-comment').click()
    await user.should_see('Could I take this one?', retries=20)
