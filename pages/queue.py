"""One channel's posting queue: what is coming, soonest first, at which posting time; move a post to the top or one
place up or down (the posts exchange their times), shuffle, pause and resume the queue, remove a post (closing its
gap when asked)."""
from __future__ import annotations

import html
from collections.abc import Callable

from fastapi import Request
from nicegui import APIRouter, ui

from components.channel_picker import channel_avatar
from components.headings import heading
from components.posting_times import describe_times
from components.queue_panel import slot_text
from components.session import client_ip, guarded, page_user
from components.theme import frame
from components.translate import _, current_language, explain, isolate, ngettext
from services.connections import channels as channel_book
from services.core.errors import UserError
from services.core.models import User
from services.queue import posting_times, queue
from services.team import permissions
from services.web.browser_session import pop_flash

router = APIRouter()
PAGE = 50  # rows drawn at first: a long queue is read from its head ("Show more" draws the next ones)


@router.page('/channels/{channel_id}/queue')
def queue_page(request: Request, channel_id: int) -> None:
    user = page_user(request)
    channel = channel_book.get_channel(channel_id)
    with frame(_('Queue'), user):
        _flash()
        if channel is None:
            ui.label(_('This channel no longer exists.')).mark('no-channel')
            return
        with ui.row().classes('w-full items-center gap-3 no-wrap'):
            channel_avatar(channel, size='2.5rem')
            heading(_('Queue of %(channel)s', channel=isolate(channel_book.full_title(channel)))) \
                .style('overflow-wrap: anywhere')
        times = posting_times.times_of(channel)
        ui.label(_('Posting times: %(times)s', times=describe_times(times, current_language())) if times else
                 _('No posting times yet: posts cannot be added to its queue.')).classes('text-sm text-gray-700')
        ui.label(_('Time zone: %(zone)s', zone=posting_times.time_zone_of(channel))).classes('text-xs text-gray-600')
        view = _QueueView(channel_id, user)
        view.listing = ui.refreshable(view.draw)
        view.listing()


def _flash() -> None:
    found = pop_flash()
    if found is not None:
        message, params, kind = found
        ui.notify(_(message, **params), type=kind, position='top', multi_line=True)


class _QueueView:
    def __init__(self, channel_id: int, user: User) -> None:
        self.channel_id, self.user = channel_id, user
        self.shown = PAGE
        self.may_change = permissions.can(user, permissions.Action.WRITE_POSTS)
        self.listing: ui.refreshable | None = None

    def draw(self) -> None:
        found = queue.queue_of(self.channel_id, limit=self.shown + 1)
        more = len(found.posts) > self.shown
        posts = found.posts[:self.shown]
        if found.paused:
            with ui.row().classes('w-full items-start gap-2 rounded p-2 no-wrap bg-amber-50').mark('queue-paused'):
                ui.icon('pause_circle').classes('text-warning')
                ui.label(_('This queue is paused: its posts wait, and none goes out until it is resumed. On resuming, '
                           'they take the next posting times in their order.')).classes('text-sm')
        if self.may_change:
            with ui.row().classes('w-full gap-2 flex-wrap'):
                if found.paused:
                    ui.button(_('Resume the queue'), icon='play_arrow', on_click=guarded(lambda: self._pause(False))) \
                        .props('unelevated').mark('resume-queue')
                else:
                    ui.button(_('Pause this channel\'s queue'), icon='pause',
                              on_click=guarded(lambda: self._pause(True))).props('outline').mark('pause-queue')
                ui.button(_('Shuffle'), icon='shuffle', on_click=guarded(self._shuffle)).props('flat') \
                    .mark('shuffle-queue').set_enabled(len(posts) > 1)
        if not posts:
            with ui.card().classes('w-full items-center py-6'):
                ui.label(_('Nothing is queued for this channel. "Add to queue" in the composer puts a post here.')) \
                    .mark('queue-empty')
            return
        language = current_language()
        rows = [{'id': item.post_id, 'when': slot_text(language, item.scheduled_at, self.user.timezone),
                 'text': item.text or _('(no text)'), 'first': index == 0, 'last': index == len(posts) - 1}
                for index, item in enumerate(posts)]
        # One table, its rows drawn by the browser from data: a long queue costs the server little (see bench/queue.py)
        column = {'name': 'post', 'label': '', 'field': 'id', 'align': 'left'}
        table = ui.table(columns=[column], rows=rows, row_key='id') \
            .props('flat hide-header hide-bottom wrap-cells').classes('w-full').mark('queue-list')
        table.add_slot('body', self._row_template(found.paused))
        for event, act in (('top', lambda post_id: queue.move_to_top(self.channel_id, post_id, self.user,
                                                                     ip=client_ip())),
                           ('up', lambda post_id: queue.move(self.channel_id, post_id, -1, self.user, ip=client_ip())),
                           ('down', lambda post_id: queue.move(self.channel_id, post_id, +1, self.user,
                                                               ip=client_ip()))):
            table.on(event, guarded(lambda e, act=act: self._do(lambda: act(int(e.args)))))
        table.on('remove', guarded(lambda e: self._remove(int(e.args))))
        table.on('drop', guarded(lambda e: self._do(lambda: self._dropped(*(int(i) for i in e.args)))))
        if more:
            ui.button(_('Show more'), on_click=self._more).props('flat').mark('queue-more')

    def _row_template(self, paused: bool) -> str:
        """A queued post: its time, its text, and (for those who may change the queue) its buttons, each sending
        its event with the post's id."""
        label = {name: html.escape(text, quote=True) for name, text in (
            ('top', _('Move to the top')), ('up', _('Move up')), ('down', _('Move down')), ('remove', _('Remove')),
            ('edit', _('Edit')), ('waits', _('Waits: the queue is paused')))}
        waits = f'<span class="text-caption text-warning">{label["waits"]}</span>' if paused else ''
        buttons = ''.join(
            f'<q-btn flat round dense icon="{icon}" :disable="props.row.{edge}" aria-label="{label[name]}" '
            f'@click="$parent.$emit(\'{name}\', props.row.id)"><q-tooltip>{label[name]}</q-tooltip></q-btn>'
            for name, icon, edge in (('top', 'vertical_align_top', 'first'), ('up', 'arrow_upward', 'first'),
                                     ('down', 'arrow_downward', 'last')))
        actions = f'''<div class="row items-center q-gutter-x-xs">{buttons}<q-space />
              <q-btn flat dense no-caps color="negative" icon="remove_circle_outline" label="{label["remove"]}"
                     @click="$parent.$emit('remove', props.row.id)" /></div>''' if self.may_change else ''
        # a row dragged onto another takes its place (the buttons stay for keyboards and phones)
        drag = ''' draggable="true" style="cursor: grab"
  @dragstart="e => e.dataTransfer.setData('text/plain', String(props.row.id))" @dragover.prevent
  @drop.prevent="e => $parent.$emit('drop', [Number(e.dataTransfer.getData('text/plain')), props.row.id])"''' \
            if self.may_change else ''
        return f'''
<q-tr :props="props" :data-post="props.row.id"{drag}>
  <q-td key="post" :props="props" style="white-space: normal; text-align: start">
    <div class="row items-center no-wrap q-gutter-x-sm">
      <span class="text-weight-bold">{{{{ props.row.when }}}}</span>{waits}<q-space />
      <a :href="'/compose?post=' + props.row.id" class="text-primary text-body2">{label["edit"]}</a>
    </div>
    <div dir="auto" class="text-body2 ellipsis-2-lines" style="overflow-wrap: anywhere">{{{{ props.row.text }}}}</div>
    {actions}
  </q-td>
</q-tr>'''

    def _dropped(self, moved: int, target: int) -> None:
        """`moved` takes the place of `target`, the posts between shifting one place toward where it was."""
        order = [item.post_id for item in queue.queue_of(self.channel_id).posts]
        if moved == target or moved not in order or target not in order:
            return
        place = order.index(target)
        order.remove(moved)
        order.insert(place, moved)
        queue.reorder(self.channel_id, order, self.user, ip=client_ip())

    def _do(self, act: Callable[[], None]) -> None:
        try:
            act()
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative')
        self.listing.refresh()

    def _pause(self, paused: bool) -> None:
        self._do(lambda: queue.set_paused(self.channel_id, paused, self.user, ip=client_ip()))
        ui.notify(_('The queue is paused: its posts wait.') if paused else _('The queue goes on.'), type='info')

    def _shuffle(self) -> None:
        self._do(lambda: queue.shuffle(self.channel_id, self.user, ip=client_ip()))

    def _more(self) -> None:
        self.shown += PAGE
        self.listing.refresh()

    async def _remove(self, post_id: int) -> None:
        order = [item.post_id for item in queue.queue_of(self.channel_id).posts]
        later = order[order.index(post_id) + 1:] if post_id in order else []
        with ui.dialog() as dialog, ui.card().classes('w-full max-w-md gap-2'):
            ui.label(_('Take this post out of the queue? It becomes a draft, kept with its text.'))
            ui.label(ngettext('%(n)s post of the queue comes after it.', '%(n)s posts of the queue come after it.',
                              len(later))).classes('text-sm text-gray-700')
            with ui.column().classes('w-full gap-1 items-stretch'):
                ui.button(_('Remove, and move the later posts up'), on_click=lambda: dialog.submit('close')) \
                    .props('unelevated color=negative').mark('remove-close-gap')
                ui.button(_('Remove, and leave its time free'), on_click=lambda: dialog.submit('keep')) \
                    .props('outline color=negative').mark('remove-keep-gap')
                ui.button(_('Cancel'), on_click=lambda: dialog.submit(None)).props('flat')
        try:
            chosen = await dialog
        finally:
            dialog.delete()
        if chosen is None:
            return
        self._do(lambda: queue.remove(self.channel_id, post_id, self.user, close_gap=chosen == 'close',
                                      ip=client_ip()))
