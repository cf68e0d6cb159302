"""Why a post is shown without a way to change it: it was sent, or it is a teammate's and its reader a contributor
(who changes only their own posts, and discusses the others' on their pages). The services refuse such changes; the
pages do not offer them."""
from __future__ import annotations

from nicegui import ui

from components.compose_state import ComposeState
from components.translate import _, isolate
from services.core.i18n import N_
from services.core.models import User
from services.team import permissions, users

SENT = N_('This post has been published and can no longer be changed. Duplicate it to reuse it.')
THEIRS_IN_COMPOSER = N_('This is %(name)s’s post: you can read it here and comment on it on its page.')
THEIRS_ON_ITS_PAGE = N_('This is %(name)s’s post: you can read it and comment on it below.')


def is_teammates(author_id: int | None, user: User) -> bool:
    """Whether `user` reads a post they may not change because someone else wrote it."""
    return author_id is not None and not permissions.can_change_post(user, author_id)


def composer_title(state: ComposeState, user: User) -> str:
    if state.post_id is None:
        return _('Write a post')
    return _('Post') if is_teammates(state.author_id, user) else _('Edit the post')


def read_only_note(state: ComposeState, user: User) -> None:
    """The composer's line above a post it shows read-only, with the way to the post's page for a teammate's."""
    if state.editable:
        return
    with ui.row().classes('w-full items-center gap-2 rounded p-2 bg-blue-50 no-wrap').mark('read-only'):
        ui.icon('lock').classes('shrink-0')
        if not is_teammates(state.author_id, user):
            ui.label(_(SENT)).classes('min-w-0')
            return
        with ui.row().classes('min-w-0 items-baseline gap-x-3 gap-y-1'):  # the link goes under the line on a phone
            ui.label(_(THEIRS_IN_COMPOSER, name=_author(state.author_id))).mark('whose-post')
            ui.link(_('Open its page'), f'/history/{state.post_id}').mark('open-post-page')


def teammates_post_note(author_id: int, user: User) -> None:
    """The post page's line for a contributor reading a teammate's post (viewers read without a word)."""
    if not is_teammates(author_id, user) or not permissions.can(user, permissions.Action.DRAFT_POSTS):
        return
    with ui.row().classes('w-full items-center gap-2 rounded p-2 bg-blue-50 no-wrap').mark('read-only'):
        ui.icon('lock').classes('shrink-0')
        ui.label(_(THEIRS_ON_ITS_PAGE, name=_author(author_id))).classes('min-w-0').mark('whose-post')


def _author(author_id: int) -> str:
    return isolate(users.name_of(author_id) or _('a former member'))
