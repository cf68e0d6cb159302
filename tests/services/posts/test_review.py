"""Review: contributors propose, editors approve, request changes or reject; nothing that needs approval goes out
without it, whatever path asks; an edit voids an approval."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from services.connections import accounts
from services.core import db
from services.core.errors import UserError
from services.core.models import AuditEvent, Delivery, Notification, Post, PostStatus, Role, utcnow
from services.posts import actions, comments, editing, review
from services.posts.editing import PostRefused, SaveAction
from services.posts.recurrence import Recurrence
from services.publishing import engine, records
from services.queue import posting_times, queue
from services.team import permissions
from tests.harness import channel_of, first_admin, post_of, publishing_to, teammate, to_telegram

P = PostStatus


def taken_when_due(post_id: int) -> list[records.Prepared]:
    """What the engine would send of the post when it falls due (its deliveries reserved for this test)."""
    return records.take_due([post_id], 'a test', utcnow() + timedelta(minutes=1), room=1).by_post.get(post_id, [])


@pytest.fixture
async def team(fake, app_env):
    """(admin, editor, contributor), and a connected Telegram channel whose bot is the fake's."""
    async with publishing_to(fake):
        yield first_admin(), teammate('edith', Role.EDITOR), teammate('carl', Role.CONTRIBUTOR)


def submitted(author, text: str = 'A post', when=None) -> int:
    return editing.save_post(author.id, to_telegram(text, when), SaveAction.SUBMIT, actor=author).id


def told(kind: str) -> list[int]:
    with db.session() as session:
        return list(session.exec(select(Notification.user_id).where(Notification.kind == kind)
                                 .order_by(Notification.user_id)))


def audited(post_id: int) -> list[str]:
    with db.session() as session:
        return list(session.exec(select(AuditEvent.action).where(AuditEvent.target == str(post_id))
                                 .order_by(AuditEvent.id)))


def refusals_of(user_id: int) -> int:
    with db.session() as session:
        return len(session.exec(select(AuditEvent.id).where(AuditEvent.actor_id == user_id,
                                                            AuditEvent.action == 'forbidden')).all())


async def test_a_contributor_drafts_and_submits_but_can_neither_schedule_nor_publish(team):
    admin, editor, carl = team
    when = utcnow() + timedelta(days=1)
    draft = editing.save_post(carl.id, to_telegram(), SaveAction.DRAFT, actor=carl)
    for action in (SaveAction.SCHEDULE, SaveAction.PUBLISH):
        with pytest.raises(permissions.Forbidden):
            editing.save_post(carl.id, to_telegram(when=when), action, post_id=draft.id, actor=carl)
    with pytest.raises(permissions.Forbidden):
        queue.add_to_queue(carl.id, to_telegram(), actor=carl)
    assert refusals_of(carl.id) == 3  # every refusal is in the audit log

    post_id = editing.save_post(carl.id, to_telegram(when=when), SaveAction.SUBMIT, post_id=draft.id, actor=carl).id
    assert post_of(post_id).status == P.IN_REVIEW and post_of(post_id).scheduled_at == when
    assert told('post_awaits_review') == [admin.id, editor.id]  # the reviewers, not the author
    assert audited(post_id) == ['post.submit']


async def test_a_contributor_cannot_touch_someone_elses_post(team):
    admin, editor, carl = team
    theirs = editing.save_post(editor.id, to_telegram(), SaveAction.DRAFT, actor=editor).id
    with pytest.raises(permissions.Forbidden):
        editing.save_post(carl.id, to_telegram('mine now'), SaveAction.DRAFT, post_id=theirs, actor=carl)
    with pytest.raises(permissions.Forbidden):
        editing.delete_post(theirs, carl)
    with pytest.raises(permissions.Forbidden):
        actions.cancel(theirs, actor=carl)
    assert post_of(theirs).text == 'A post'
    own = editing.save_post(carl.id, to_telegram(), SaveAction.DRAFT, actor=carl).id
    editing.delete_post(own, carl)  # their own draft is theirs to delete


async def test_approval_schedules_the_post_for_its_wanted_time_and_tells_the_author(team):
    admin, editor, carl = team
    when = utcnow() + timedelta(days=1)
    post_id = submitted(carl, when=when)
    post = review.approve(post_id, editor, review_round=1)
    assert (post.status, post.scheduled_at, post.approved_round) == (P.SCHEDULED, when, 1)
    assert told('post_approved') == [carl.id]
    assert audited(post_id) == ['post.submit', 'post.approve']


async def test_a_passed_wanted_time_is_published_only_when_the_approver_says_so(team, fake):
    admin, editor, carl = team
    post_id = submitted(carl, 'Late')
    with pytest.raises(review.ReviewRefused, match='has passed'):
        review.approve(post_id, editor, review_round=1)
    assert post_of(post_id).status == P.IN_REVIEW
    review.approve(post_id, editor, review_round=1, publish_now=True)
    await engine.get_engine().wait_idle()
    assert [m.text for m in fake.sent] == ['Late']
    assert post_of(post_id).status == P.PUBLISHED


async def test_an_approval_of_an_edited_post_is_void(team, fake):
    admin, editor, carl = team
    when = utcnow() + timedelta(days=1)
    post_id = submitted(carl, 'First words', when)
    editing.save_post(carl.id, to_telegram('Second words', when), SaveAction.SUBMIT, post_id=post_id, actor=carl)
    with pytest.raises(review.ReviewRefused, match='changed after you opened it'):
        review.approve(post_id, editor, review_round=1)  # a tab opened on the first words
    assert post_of(post_id).status == P.IN_REVIEW

    review.approve(post_id, editor, review_round=2)
    editing.save_post(carl.id, to_telegram('Third words', when), SaveAction.SUBMIT, post_id=post_id, actor=carl)
    assert (post_of(post_id).status, post_of(post_id).review_round) == (P.IN_REVIEW, 3)  # back to review
    assert taken_when_due(post_id) == []
    assert fake.sent == []


async def test_nothing_to_a_channel_that_needs_approval_goes_out_before_approval(team, fake):
    admin, editor, carl = team
    channel = channel_of('telegram')
    before = editing.save_post(editor.id, to_telegram('Scheduled before', utcnow() + timedelta(hours=1)),
                               SaveAction.SCHEDULE, actor=editor).id
    assert review.set_needs_approval(channel, True, admin) == [before]  # held: back to review
    assert post_of(before).status == P.IN_REVIEW

    for action in (SaveAction.PUBLISH, SaveAction.SCHEDULE):  # the editor's own buttons, even from a stale page
        with pytest.raises(PostRefused, match='needs approval'):
            editing.save_post(editor.id, to_telegram('Now', utcnow() + timedelta(hours=1)), action, actor=editor)
    posting_times.set_posting_times(channel, 'UTC', [{'time': '09:00', 'days': list(range(7))}], admin)
    with pytest.raises(PostRefused, match='needs approval'):
        queue.add_to_queue(editor.id, to_telegram('Queued'), actor=editor)
    with pytest.raises(PostRefused, match='needs approval'):  # the API and scripts save through the same service
        actions.save(editor.id, to_telegram('Now'), SaveAction.PUBLISH, actor=editor)

    # the scheduler: a post scheduled and due without a current approval is not sent
    sneaked = editing.save_post(admin.id, to_telegram('Sneaked', utcnow() + timedelta(hours=1)), SaveAction.SUBMIT,
                                actor=admin).id
    with db.session() as session:  # as if a bug or a hand in the database had scheduled it, and it fell due
        session.exec(sa.update(Post).where(Post.id == sneaked).values(status=P.SCHEDULED,
                                                                      scheduled_at=utcnow() - timedelta(minutes=1)))
    assert taken_when_due(sneaked) == []

    mine = submitted(editor, 'By the editor', utcnow() + timedelta(hours=1))
    with pytest.raises(review.ReviewRefused, match='Someone else'):
        review.approve(mine, editor, review_round=1)
    review.approve(mine, admin, review_round=1)
    assert post_of(mine).status == P.SCHEDULED
    await engine.get_engine().wait_idle()
    assert fake.sent == []


async def test_requesting_changes_sends_the_post_back_with_the_comment_and_rejecting_ends_the_round(team):
    admin, editor, carl = team
    post_id = submitted(carl, when=utcnow() + timedelta(days=1))
    with pytest.raises(UserError, match='Write what should change'):
        review.request_changes(post_id, editor, '  ', review_round=1)
    review.request_changes(post_id, editor, 'Shorter, please', review_round=1)
    assert post_of(post_id).status == P.DRAFT
    assert told('changes_requested') == [carl.id]
    editing.save_post(carl.id, to_telegram('Short', utcnow() + timedelta(days=1)), SaveAction.SUBMIT,
                      post_id=post_id, actor=carl)
    review.reject(post_id, editor, 'Off topic', review_round=2)
    assert post_of(post_id).status == P.REJECTED
    steps = [(e.kind, e.author, e.text) for e in comments.timeline(post_id)]
    assert steps == [('post.submit', 'carl', ''), ('post.request_changes', 'edith', ''),
                     ('changes_requested', 'edith', 'Shorter, please'), ('post.submit', 'carl', ''),
                     ('post.reject', 'edith', ''), ('rejected', 'edith', 'Off topic')]
    assert audited(post_id) == ['post.submit', 'post.request_changes', 'post.submit', 'post.reject']
    with pytest.raises(permissions.Forbidden):
        review.approve(post_id, carl, review_round=2)


async def test_a_comment_notifies_the_team_members_it_mentions_and_no_one_else(team):
    admin, editor, carl = team
    post_id = submitted(carl)
    comments.add_comment(post_id, carl, 'What do you think, @edith and @nobody? Ask @admin.')
    assert told('mentioned') == [admin.id, editor.id]
    assert [e.text for e in comments.timeline(post_id) if e.kind == 'comment'] == [
        'What do you think, @edith and @nobody? Ask @admin.']
    viewer = teammate('vera', Role.VIEWER)
    with pytest.raises(permissions.Forbidden):
        comments.add_comment(post_id, viewer, 'Hello')


async def test_an_approved_series_keeps_its_approval_for_the_next_occurrence(team, fake):
    admin, editor, carl = team
    review.set_needs_approval(channel_of('telegram'), True, admin)
    data = to_telegram('Every day', utcnow() + timedelta(hours=1))
    data.recurrence = Recurrence('daily')
    post_id = editing.save_post(carl.id, data, SaveAction.SUBMIT, actor=carl).id
    review.approve(post_id, editor, review_round=1)
    with db.session() as session:  # its time comes
        session.exec(sa.update(Post).where(Post.id == post_id).values(scheduled_at=utcnow() - timedelta(seconds=1)))
    assert taken_when_due(post_id) != []
    with db.session() as session:
        following = session.exec(select(Post).where(Post.series_id == post_id, Post.id != post_id)).one()
    assert (following.status, following.approved_round, following.review_round) == (P.SCHEDULED, 1, 1)


async def test_approval_checks_the_post_again_and_refuses_what_would_fail_with_the_way_out(team, fake):
    admin, editor, carl = team
    when = utcnow() + timedelta(days=1)
    post_id = submitted(carl, 'Launch', when)
    account_id = accounts.list_accounts()[0].id
    accounts.mark_needs_reconnect(account_id)  # the bot was removed from the chat after the post was submitted
    with pytest.raises(review.NotReady) as refused:
        review.approve(post_id, editor, review_round=1)
    assert refused.value.text('en') == ('Telegram · @fakechannel is not connected. Reconnect it on the Channels page '
                                        'first. Approve it once this is fixed, or request changes so that its '
                                        'author fixes it.')
    assert refused.value.text('ar').endswith('أعِد وصلها من صفحة القنوات أولًا. '
                                             'وافق عليه بعد إصلاح ذلك، أو اطلب تعديلات ليصلحه كاتبه.')
    accounts.mark_connected(account_id, '@fakechannel')
    with db.session() as session:  # its channel's version, as rules that have since grown stricter would judge it
        session.exec(sa.update(Delivery).where(Delivery.post_id == post_id).values(text='x' * 5000))
    with pytest.raises(review.NotReady, match='a message may be'):
        review.approve(post_id, editor, review_round=1)

    post = post_of(post_id)  # nothing was written: still in review, unapproved, nobody told
    assert (post.status, post.approved_round) == (P.IN_REVIEW, None)
    assert audited(post_id) == ['post.submit'] and told('post_approved') == []
    with db.session() as session:
        session.exec(sa.update(Delivery).where(Delivery.post_id == post_id).values(text=None))
    assert review.approve(post_id, editor, review_round=1).status == P.SCHEDULED
