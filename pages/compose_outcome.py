"""What follows a press of the composer's buttons: where the user lands and what they are told after a save, a
delete or a duplicate (pages/compose.py builds the form)."""
from __future__ import annotations

from nicegui import ui

from components.confirm import confirm
from components.session import client_ip
from components.translate import _, current_language, explain
from components.unsaved_changes import UnsavedChanges
from services.core.errors import UserError
from services.core.i18n import N_, format_datetime
from services.core.models import Post, PostStatus, User
from services.media import cleanup
from services.posts import editing
from services.posts.editing import SaveAction
from services.web.browser_session import flash


def notify(message: str, kind: str) -> None:
    """At the top of the screen, where it covers no button of the form."""
    ui.notify(message, type=kind, position='top', multi_line=True)


def leave_after_save(action: SaveAction, was: str | None, saved: Post, user: User) -> bool:
    """Say what the save did and open the page that follows it: the post's page after Publish or Schedule, the
    draft's own address after a new draft is saved. False when the composer stays (a saved draft goes on being
    written); `was` is the post's status before the save, None for a new post."""
    if action == SaveAction.PUBLISH:
        flash(N_('Publishing started.'), kind='positive')
    elif action == SaveAction.SCHEDULE:
        when = format_datetime(current_language(), saved.scheduled_at, user.timezone, style='medium')
        flash(N_('Changes saved. The post is still scheduled for %(when)s.') if was == PostStatus.SCHEDULED
              else N_('Scheduled for %(when)s.'), kind='positive', when=when)
    elif action == SaveAction.SUBMIT:
        flash(N_('Submitted for review. The reviewers have been told.'), kind='positive')
    if action != SaveAction.DRAFT:
        ui.navigate.to(f'/history/{saved.id}')
    elif was is None:
        flash(N_('Draft saved.'), kind='positive')
        ui.navigate.to(f'/compose?post={saved.id}')
    else:
        notify(_('Unscheduled: the post is a draft now and will not be published until you schedule it again.')
               if was == PostStatus.SCHEDULED else _('Draft saved.'), 'positive')
        return False
    return True


async def delete_after_asking(post_id: int, user: User, unsaved: UnsavedChanges) -> None:
    """Delete the post once the user confirms, with its media no other post uses, and go to the posts list."""
    question = _('Delete this post? Its photos and videos are deleted too unless another post uses them.')
    if not await confirm(question, keep=_('Cancel'), act=_('Delete'), marker='confirm-delete'):
        return
    try:
        media_ids = editing.delete_post(post_id, user, ip=client_ip())
    except UserError as refusal:
        notify(explain(refusal), 'negative')
        return
    for media_id in media_ids:
        cleanup.delete_if_unused(media_id)
    unsaved.saved()
    flash(N_('The post was deleted.'), kind='positive')
    ui.navigate.to('/history')


def duplicate(post_id: int, user: User) -> None:
    """A new draft made from the post (its channels' versions too), opened in the composer."""
    copy = editing.duplicate_post(post_id, user)
    flash(N_('A new draft was made from this post.'), kind='positive')
    ui.navigate.to(f'/compose?post={copy.id}')
