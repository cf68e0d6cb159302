"""A reviewer's buttons on a post in review: Approve (asking whether to publish now when the wanted time has
passed), Request changes (with a comment for the author) and Reject. Each decides on the review round the page
showed, so a decision taken in a tab opened before the author's last edit is refused."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import run, ui

from components.headings import name_dialog
from components.session import client_ip, guarded
from components.translate import _, explain
from services.core.errors import UserError
from services.core.models import Post, PostStatus, Role, User, utcnow
from services.posts import review
from services.team import permissions


def review_actions(post: Post, user: User) -> None:
    """The three buttons, for editors and admins, while the post is in review (none on one's own, admins aside)."""
    if post.status != PostStatus.IN_REVIEW or not permissions.can(user, permissions.Action.REVIEW_POSTS):
        return
    if post.author_id == user.id and user.role != Role.ADMIN:
        ui.label(_('Someone else has to review your post.')).classes('text-sm text-gray-700')
        return
    seen = post.review_round
    ui.button(_('Approve'), icon='check', on_click=guarded(lambda: _approve(post, user, seen))) \
        .props('unelevated color=green-9').mark('approve')  # white on Quasar's positive green is 2.4:1
    ui.button(_('Request changes'), icon='edit_note', on_click=guarded(lambda: _decline(post.id, user, seen, True))) \
        .props('outline').mark('request-changes')
    ui.button(_('Reject'), icon='block', on_click=guarded(lambda: _decline(post.id, user, seen, False))) \
        .props('flat color=negative').mark('reject')


async def _approve(post: Post, user: User, seen: int) -> None:
    late = post.scheduled_at is None or post.scheduled_at <= utcnow()
    if late and not await _ask(_('The time wanted for this post has passed. Publish it now?'), _('Publish now'),
                               'confirm-approve'):
        return
    ip = client_ip()
    await _decide(lambda: review.approve(post.id, user, review_round=seen, publish_now=late, ip=ip), _('Approved.'))


async def _decline(post_id: int, user: User, seen: int, changes: bool) -> None:
    question = _('What should change? The author sees your comment.') if changes else \
        _('Reject this post? Say why, if you like: the author sees it.')
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-lg'):
        name_dialog(dialog, ui.label(question))
        comment = ui.textarea(_('Comment')).props('outlined autogrow dir=auto').classes('w-full') \
            .mark('review-comment')
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Cancel'), on_click=lambda: dialog.submit(None)).props('flat')
            ui.button(_('Request changes') if changes else _('Reject'),
                      on_click=lambda: dialog.submit(comment.value or '')) \
                .props('color=primary' if changes else 'color=negative').mark('confirm-decline')
    try:
        text = await dialog
    finally:
        dialog.delete()
    if text is None:
        return
    ip = client_ip()
    if changes:
        await _decide(lambda: review.request_changes(post_id, user, text, review_round=seen, ip=ip),
                      _('Sent back to the author with your comment.'))
    else:
        await _decide(lambda: review.reject(post_id, user, text, review_round=seen, ip=ip), _('Rejected.'))


async def _decide(act: Callable[[], object], done: str) -> None:
    try:
        await run.io_bound(act)
    except UserError as refusal:
        ui.notify(explain(refusal), type='negative', multi_line=True)
        return
    ui.notify(done, type='positive')  # the page redraws itself when it hears of the post's new status


async def _ask(question: str, act: str, marker: str) -> bool:
    with ui.dialog() as dialog, ui.card():
        name_dialog(dialog, ui.label(question))
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Cancel'), on_click=lambda: dialog.submit(False)).props('flat')
            ui.button(act, on_click=lambda: dialog.submit(True)).props('color=positive').mark(marker)
    try:
        return bool(await dialog)
    finally:
        dialog.delete()
