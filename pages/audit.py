"""The audit log (admins only): who did what, when, from where; filters and paging that stay fast."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from nicegui import APIRouter, ui

from components.channel_filter import as_query, channel_select, chosen_channel_ids
from components.session import page_user
from components.theme import frame
from components.translate import _, current_language
from services.connections import channels as channel_book
from services.core.i18n import N_, format_datetime
from services.core.models import Channel
from services.platforms import registry
from services.team import audit, users

router = APIRouter()
PAGE_SIZE = 50
LABELS = {
    'setup.admin_created': N_('Administrator created at setup'),
    'setup.code_refused': N_('Setup refused: wrong setup code'), 'login.succeeded': N_('Signed in'),
    'login.failed': N_('Failed sign-in'), 'login.locked': N_('Sign-in refused: too many failures'),
    'logout': N_('Signed out'), 'user.password_changed': N_('Changed their password'),
    'user.password_reset': N_('Password reset'), 'user.created': N_('User added'),
    'user.role_changed': N_('Role changed'), 'user.deactivated': N_('User deactivated'),
    'user.reactivated': N_('User reactivated'), 'forbidden': N_('Refused: not allowed for the role'),
    'account.connected': N_('Channel connected'), 'account.removed': N_('Channel disconnected'),
    'channel.renamed': N_('Channel renamed'), 'channel.posting_times': N_('Posting times changed'),
    'channel.queue_paused': N_('Queue paused'), 'channel.queue_resumed': N_('Queue resumed'),
    'channel_group.saved': N_('Channel group saved'), 'channel_group.deleted': N_('Channel group deleted'),
    'post.publish': N_('Post published'), 'post.retry': N_('Delivery retried'), 'post.cancel': N_('Post cancelled'),
    'post.delete': N_('Post deleted'), 'post.schedule': N_('Post scheduled'), 'post.reschedule': N_('Post rescheduled'),
    'post.unschedule': N_('Post unscheduled'), 'post.edit': N_('Post edited'),
    'post.submit': N_('Post submitted for review'), 'post.approve': N_('Post approved'),
    'post.request_changes': N_('Changes requested to a post'), 'post.reject': N_('Post rejected'),
    'channel.needs_approval': N_('Channel approval setting changed'),
    'media.deleted': N_('Photo or video deleted'),
    'webhook.created': N_('Webhook added'), 'webhook.edited': N_('Webhook changed'),
    'webhook.deleted': N_('Webhook deleted'), 'webhook.sent_again': N_('Webhook call sent again'),
}
# The About cell: a link to the post for a post's rows; the text set apart (dir=auto) so a Latin handle such as
# "telegram: @probe_bot" keeps its shape on an Arabic page.
ABOUT_CELL = '''
<q-td :props="props">
  <a v-if="props.row.link" :href="props.row.link" class="text-primary">{{ props.value }}</a>
  <span v-else dir="auto">{{ props.value }}</span>
</q-td>
'''
REFUSED = {  # what a refused request wanted (the target of a 'forbidden' row)
    'read': N_('Reading posts'), 'write_posts': N_('Writing posts'), 'publish': N_('Publishing'),
    'manage_accounts': N_('Managing accounts'), 'manage_users': N_('Managing users'),
    'read_audit': N_('Reading the audit log'), 'manage_webhooks': N_('Managing webhooks'),
}


@router.page('/audit')
def audit_page(request: Request, action: str = '', actor: int | None = None, before: int | None = None,
               channel: int | None = None, group: int | None = None) -> None:
    admin = page_user(request)
    with frame(_('Audit log'), admin):
        names = {u.id: u.username for u in users.list_users()}
        known = channel_book.list_channels()
        _filters(action, actor, names, known, (channel, group))
        chosen = chosen_channel_ids(channel, group)
        about = (chosen, _recorded_as([c for c in known if c.id in chosen])) if chosen is not None else None
        rows = audit.list_events(before_id=before, limit=PAGE_SIZE + 1, action=action or None, actor_id=actor,
                                 about_channels=about)
        more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
        language = current_language()
        columns = [{'name': 'when', 'label': _('When'), 'field': 'when', 'align': 'left'},
                   {'name': 'who', 'label': _('Who'), 'field': 'who', 'align': 'left'},
                   {'name': 'what', 'label': _('What'), 'field': 'what', 'align': 'left'},
                   {'name': 'target', 'label': _('About'), 'field': 'target', 'align': 'left'},
                   {'name': 'ip', 'label': _('From'), 'field': 'ip', 'align': 'left'}]
        data = [{'id': e.id, 'when': format_datetime(language, e.created_at, admin.timezone),
                 'who': names.get(e.actor_id, '—'), 'what': _(LABELS.get(e.action, e.action)), 'ip': e.ip,
                 **_about(e.action, e.target)} for e in rows]
        # The table scrolls sideways on a phone inside a region the keyboard can focus (WCAG 2.1.1); Quasar's own
        # scrolling box cannot take focus.
        with ui.element('div').props(f'role=region tabindex=0 aria-label="{_("Audit log")}"') \
                .classes('w-full overflow-x-auto'):
            table = ui.table(columns=columns, rows=data, row_key='id').props('flat dense wrap-cells') \
                .classes('w-full audit-table').mark('audit-table')
        ui.add_css('.audit-table .q-table__middle { overflow: visible; }')
        table.add_slot('body-cell-target', ABOUT_CELL)
        if more:
            query = urlencode({k: v for k, v in {'action': action, 'actor': actor or '', 'channel': channel or '',
                                                  'group': group or '', 'before': rows[-1].id}.items() if v})
            ui.button(_('Older entries'), icon='expand_more', on_click=lambda: ui.navigate.to(f'/audit?{query}')) \
                .props('flat').mark('older')


def _about(action: str, target: str) -> dict[str, str]:
    """What a row is about ('target') and, for a post's rows, the link to the post ('link')."""
    if action == 'forbidden' and target in REFUSED:
        return {'target': _(REFUSED[target]), 'link': ''}
    if action.startswith('post.') and target.isdigit():
        return {'target': _('Post %(id)s', id=target), 'link': f'/history/{target}'}
    platform, _colon, name = target.partition(': ')
    if action.startswith(('account.', 'channel.')) and name and registry.find(platform):
        return {'target': f'{registry.label(platform)} · {name}', 'link': ''}  # as channels are named elsewhere
    if action.startswith('channel_group.'):
        return {'target': _('Group: %(name)s', name=target), 'link': ''}
    return {'target': target, 'link': ''}


def _recorded_as(channels: list[Channel]) -> list[str]:
    """The targets a channel's rows may carry: services/connections records '<platform>: <its title then>'."""
    return sorted({f'{c.platform}: {name}' for c in channels
                   for name in (c.name, c.remote_name, channel_book.title(c)) if name})


def _filters(action: str, actor: int | None, names: dict[int, str], known: list[Channel],
             only: tuple[int | None, int | None]) -> None:
    actions = {'': _('Everything')} | {code: _(LABELS.get(code, code)) for code in audit.actions()}
    people = {'': _('Anyone')} | {str(user_id): name for user_id, name in names.items()}
    with ui.row().classes('w-full items-end gap-2'):
        what = ui.select(actions, value=action, label=_('What')).props('outlined dense').classes('w-64') \
            .mark('filter-action')
        who = ui.select(people, value=str(actor or ''), label=_('Who')).props('outlined dense').classes('w-48')
        about = channel_select(known, *only)
        ui.button(_('Filter'), icon='filter_list', on_click=lambda: ui.navigate.to('/audit?' + urlencode(
            {k: v for k, v in {'action': what.value or '', 'actor': who.value or '', **as_query(about.value)}.items()
             if v}))).props('unelevated').mark('apply-filter')
