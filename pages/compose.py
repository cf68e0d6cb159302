"""Write a post: text, photos and videos, where it goes; save a draft, schedule it, or publish it now."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial

from fastapi import Request
from nicegui import APIRouter, events, ui

from components.channel_picker import channel_picker, channel_warnings
from components.compose_buttons import problem_list
from components.compose_state import ComposeState, load_state, unless_unchanged
from components.headings import heading
from components.library_picker import add_media_controls
from components.media_strip import media_strip
from components.post_options import option_fields
from components.post_preview import length_chip, post_preview
from components.queue_panel import when_extras
from components.read_only_note import composer_title, read_only_note
from components.reschedule_dialog import ask_which_time
from components.review_buttons import compose_buttons
from components.risk_warnings import RiskWarnings
from components.schedule_picker import schedule_picker
from components.session import client_ip, guarded, page_user
from components.theme import frame
from components.translate import _, explain
from components.unsaved_changes import UnsavedChanges
from components.version_tabs import ChannelTabs
from pages.compose_outcome import delete_after_asking, duplicate, leave_after_save, notify
from services.connections import channels as channel_book
from services.connections.accounts import posting_limits
from services.core.config import get_settings
from services.core.errors import UserError
from services.core.models import AccountStatus, Channel, MediaAsset, PostStatus, User, utcnow
from services.core.timezones import AmbiguousTime, local_to_utc, utc_to_local
from services.media import cleanup, library
from services.platforms import registry
from services.platforms.spec import Problem
from services.posts import actions, editing
from services.posts.checks import check_post
from services.posts.editing import PostRefused, SaveAction

router = APIRouter()
UPLOAD_CHUNK = 256 * 1024


@router.page('/compose')
def compose_page(request: Request, post: int | None = None) -> None:
    user = page_user(request)
    state, scheduled_at = load_state(post, user)
    known = channel_book.list_channels()
    with frame(composer_title(state, user), user):
        read_only_note(state, user)
        with ui.row().classes('w-full gap-4 items-start max-md:flex-col'):
            with ui.column().classes('flex-1 min-w-0 w-full gap-3'):
                editor = _Editor(state, user, scheduled_at, known)
                editor.build_main()
            with ui.column().classes('w-full md:w-80 gap-3'):
                editor.build_side()
        if state.editable:
            for channel in known:
                if channel.status == AccountStatus.CONNECTED and registry.get(channel.platform).posting_limits:
                    # after the page is shown: the platform may be slow to say
                    ui.timer(0, partial(editor.load_posting_limits, channel), once=True)


class _Editor:
    """The composer's parts that change as the user types, adds media, picks channels or opens a channel's tab."""

    def __init__(self, state: ComposeState, user: User, scheduled_at: datetime | None, known: list[Channel]) -> None:
        self.state, self.user = state, user
        self.known = {channel.id: channel for channel in known}
        # what a platform says a connected channel may post: narrower choices, option values its rules read
        self.choices: dict[tuple[str, str], list[str]] = {}
        self.limit_options: dict[str, dict] = {}
        local = utc_to_local(scheduled_at, user.timezone) if scheduled_at else \
            utc_to_local(utcnow() + timedelta(hours=1), user.timezone)
        self.day, self.at = local.strftime('%Y-%m-%d'), local.strftime('%H:%M')
        self.saved_at = scheduled_at  # the post's time as stored
        self.attempted: SaveAction | None = None  # the last Publish/Schedule tried: its checks are shown from then on
        self.refusal: str | None = None  # why the last save was refused, when the form itself is not the reason
        self.unsaved = UnsavedChanges()
        self.found: list[Problem] = []  # what stops the form now (see `_check`)
        self.loose: list[str | None] = []  # what stops it that is no channel's own: the time, a refusal
        self.risks: RiskWarnings | None = None  # what would make it fail at the chosen time (editable posts)
        self.tabs = ChannelTabs(state, lambda: self.chosen, on_select=self.select, on_edit=self._version_edited,
                                on_rebuild=self._version_rebuilt, problems=self.problems_now,
                                choices=lambda platform, name: self.choices.get((platform, name)))

    def build_main(self) -> None:
        state = self.state
        self._check()
        # Where it goes first: it decides the tabs below; the order of Tab and of a phone's screen.
        with ui.card().classes('w-full gap-2'):
            heading(_('Where it goes'))
            channel_picker(list(self.known.values()), set(state.channels), guarded(self.toggle_channel),
                           enabled=state.editable, on_group=guarded(self.choose_group))
        self.tabs.found = self.found
        self.tabs.build_bar()
        with ui.column().classes('w-full gap-3').mark('main-post') as self.main_panel:
            # A long caption scrolls inside the box rather than pushing the buttons off the screen.
            text = ui.textarea(_('Text'), value=state.text, on_change=self.text_changed) \
                .props('outlined autogrow counter=false dir=auto input-style="max-height: 18rem; overflow-y: auto"') \
                .classes('w-full').mark('post-text')
            text.set_enabled(state.editable)
            self.counts = ui.refreshable(self._counts)
            self.counts()
            if state.editable:
                add_media_controls(guarded(self.upload), guarded(self.add_media),
                                   lambda: (self.state.media, self.platforms), self.user, self.refresh)
            self.media_view = ui.refreshable(self._media)
            self.media_view()
            self.options_view = ui.refreshable(self._options)
            self.options_view()
        self.tabs.build_panel()
        if state.editable:
            with ui.card().classes('w-full gap-2'):
                heading(_('When'))
                self.schedule_note = ui.refreshable(self._schedule_note)
                self.schedule_note()
                self.date_input, self.time_input = schedule_picker(self.day, self.at, self.user.timezone)
                for field_input in (self.date_input, self.time_input):
                    field_input.on_value_change(self._edited)
                self.queue = when_extras(self.user, lambda: self.chosen, self.state, self.unsaved.saved)
                self.risks = RiskWarnings(lambda: self.chosen, lambda: [m.id for m in self.state.media], lambda:
                                          self._chosen_time()[0], lambda: self.state.post_id, self.user.timezone)
        self.warnings_view = ui.refreshable(self._warnings)
        self.warnings_view()
        self.problems_view = ui.refreshable(self._problems)
        self.problems_view()
        self.buttons = ui.refreshable(self._buttons)
        self.buttons()

    def build_side(self) -> None:
        self.previews = ui.refreshable(self._previews)
        self.previews()

    def refresh(self) -> None:
        """The main post or the channels changed: everything drawn from them."""
        for view in (self.counts, self.options_view, self.warnings_view, self.previews):
            view.refresh()
        self._recheck()

    def _recheck(self) -> None:
        """Check the form again and show it: the list, the tabs' marks, the open channel's own list."""
        self._check()
        self.problems_view.refresh()
        self.tabs.follow(self.found)
        if self.risks is not None:
            self.risks.recheck()

    def _edited(self) -> None:
        """The form changed: it holds unsaved work, and a refusal of the form as it was no longer applies."""
        self.unsaved.changed()
        self.refusal = None
        self._recheck()

    def text_changed(self, event: events.ValueChangeEventArguments) -> None:
        self.state.text = event.value or ''
        self.unsaved.changed()
        self.refusal = None
        self.refresh()

    @property
    def platforms(self) -> list[str]:
        """The platforms of the chosen channels, each once, in the order they were chosen."""
        return list(dict.fromkeys(self.known[c].platform for c in self.state.channels if c in self.known))

    @property
    def chosen(self) -> list[Channel]:
        return [self.known[c] for c in self.state.channels if c in self.known]

    def toggle_channel(self, channel_id: int, chosen: bool) -> None:
        others = [c for c in self.state.channels if c != channel_id]
        self._choose(others + [channel_id] if chosen else others)

    def choose_group(self, ids: list[int]) -> None:
        """A group's channels join the chosen ones in one go."""
        self._choose(self.state.channels + [c for c in ids if c not in self.state.channels])

    def _choose(self, channels: list[int]) -> None:
        self.state.channels = channels
        self.unsaved.changed()
        self.refusal = None
        self.tabs.channels_changed()
        self.refresh()
        self.queue.channels_changed()  # the picker, and so this, is enabled only while the post is editable
        self.buttons.refresh()

    def select(self, channel_id: int | None) -> None:
        """The main post's tab (None) or a channel's was opened; the previews follow: all of them, or that one."""
        self.main_panel.set_visibility(channel_id is None)
        self.previews.refresh()

    def _version_edited(self) -> None:
        self._edited()
        self.previews.refresh()
        self.options_view.refresh()  # the main post's options are shown while a channel still takes them

    def _version_rebuilt(self) -> None:
        """A channel was customised or reset: its tab is drawn again, and the main post's counters follow."""
        self.tabs.rebuild()
        self.counts.refresh()
        self._version_edited()

    async def upload(self, event: events.UploadEventArguments) -> None:
        try:
            asset = await library.store_upload(event.file.iterate(chunk_size=UPLOAD_CHUNK), event.file.name,
                                             uploaded_by=self.user.id)
        except UserError as refusal:
            notify(explain(refusal), 'negative')
            return
        self.add_media(asset)

    def add_media(self, asset: MediaAsset) -> None:
        self.state.media = list({m.id: m for m in [*self.state.media, asset]}.values())  # once, where it was
        self.media_view.refresh()
        self.unsaved.changed()
        self.refresh()

    def remove_media(self, media_id: int) -> None:
        self.state.media = [m for m in self.state.media if m.id != media_id]
        cleanup.delete_if_unused(media_id)  # kept while a saved post still uses it; the daily sweep takes it then
        self.media_view.refresh()
        self.unsaved.changed()
        self.refresh()

    def move_media(self, index: int, step: int) -> None:
        items, target = self.state.media, index + step
        if 0 <= target < len(items):
            items[index], items[target] = items[target], items[index]
            self.media_view.refresh()
            self.unsaved.changed()
            self.previews.refresh()

    def _counts(self) -> None:
        """The main text's length on each platform it goes to (a channel with its own text counts in its tab)."""
        state = self.state
        uses_main = [c for c in self.chosen if (state.versions.get(c.id) is None or
                                                state.versions[c.id].text is None)]
        with ui.row().classes('gap-1'):
            for platform in dict.fromkeys(channel.platform for channel in uses_main):
                length_chip(platform, state.text, bool(state.media))

    def _media(self) -> None:
        editable = self.state.editable
        media_strip(self.state.media, on_remove=guarded(self.remove_media) if editable else None,
                    on_move=guarded(self.move_media) if editable else None)

    def _options(self) -> None:
        for spec in registry.all():
            if spec.name not in self.platforms or not spec.options:
                continue
            options = self.state.options.setdefault(spec.name, {})
            options.update(self.limit_options.get(spec.name, {}))
            of_platform = [channel for channel in self.chosen if channel.platform == spec.name]
            if not self.state.takes_main_options(of_platform, {option.name for option in spec.options}):
                continue  # every channel of it sets them all in its own version
            with ui.card().classes('w-full gap-2').mark(f'options-{spec.name}'):
                heading(spec.label)
                option_fields(spec, options, lambda name, value, o=options: (o.update({name: value}),
                                                                             self._light_refresh()),
                              choices=lambda name, p=spec.name: self.choices.get((p, name)),
                              enabled=self.state.editable)

    async def load_posting_limits(self, channel: Channel) -> None:
        """The choices and limits `channel`'s platform allows it (else the spec's defaults stay)."""
        client = ui.context.client
        platform = channel.platform
        limits = await posting_limits(channel, get_settings())
        if client.is_deleted or limits is None:  # the page was left while the platform answered, or it did not
            return
        for name, allowed in limits.choices.items():
            if allowed:
                self.choices[(platform, name)] = list(allowed)
        self.limit_options[platform] = dict(limits.options)
        if limits.choices or limits.options:
            self.refresh()

    def _warnings(self) -> None:
        if self.state.editable:
            channel_warnings(self.chosen)

    def _light_refresh(self) -> None:
        self._edited()
        self.previews.refresh()

    def _chosen_time(self) -> tuple[datetime | None, str | None]:
        """The When fields as a UTC instant, or why they are not one."""
        try:
            return local_to_utc(date.fromisoformat(self.date_input.value or ''),
                                time.fromisoformat(self.time_input.value or ''), self.user.timezone), None
        except AmbiguousTime as ambiguous:  # which of the two is asked when Schedule is pressed
            return ambiguous.earlier, None
        except UserError as refusal:
            return None, explain(refusal)
        except ValueError:
            return None, _('Enter the date as YYYY-MM-DD and the time as HH:MM.')

    def _check(self) -> None:
        """What stops the form, as it is now, from being saved the way last tried (before any try: from going to the
        chosen channels), kept in `found` (each problem names its channel, if it is one's) and `loose`."""
        state, action, when, time_problem = self.state, self.attempted, None, None
        if not state.editable:
            self.found, self.loose = [], []
            return
        if action in (SaveAction.SCHEDULE, SaveAction.SUBMIT):
            when, time_problem = self._chosen_time()
            if time_problem:  # every other check of scheduling; the time's own problem is said below
                action = SaveAction.PUBLISH
        data = state.as_input(when)
        if action in (SaveAction.SCHEDULE, SaveAction.PUBLISH, SaveAction.SUBMIT):
            self.found = editing.problems_for(data, state.media, action)
        else:
            self.found = editing.problems_for(data, state.media, SaveAction.DRAFT) or \
                check_post(editing.targets(data, state.media, self.chosen),
                           empty=not state.text.strip() and not state.media)
        self.loose = [time_problem, self.refusal]

    def problems_now(self, channel_id: int | None = None) -> list[str]:
        """The messages of what stops the form (each once); with `channel_id`, only those of that channel."""
        found = self.found if channel_id is None else [p for p in self.found if p.channel == channel_id]
        messages = [_(problem.message, **problem.params) for problem in found]
        if channel_id is None:
            messages += self.loose
        return [message for message in dict.fromkeys(messages) if message]

    def _problems(self) -> None:
        state = self.state
        if not state.editable:
            return
        if not (state.text or state.media or state.channels or self.attempted):  # nothing to judge yet
            ui.label(_('Write something or add photos, then choose where it goes.')) \
                .classes('text-sm text-gray-600').mark('problems')
            return
        problem_list(self.problems_now())

    def _previews(self) -> None:
        if not self.state.channels:
            ui.label(_('Choose where the post goes to see a preview.')).classes('text-sm text-gray-600')
        shown = [channel for channel in self.chosen if self.tabs.selected in (None, channel.id)]
        for channel in shown:
            got = self.state.effective_for(channel)
            post_preview(channel.platform, got.text, got.media, got.options, channel=channel)

    def _schedule_note(self) -> None:
        if self.state.status == PostStatus.SCHEDULED:
            ui.label(_('This post is scheduled. "Save changes" keeps it scheduled, at the date and time below; '
                       '"Unschedule" makes it a draft again.')).classes('text-sm text-gray-700').mark('scheduled-note')

    def _buttons(self) -> None:  # Submit for review instead of Publish and Schedule where the post needs approval
        compose_buttons(self.user, self.chosen, self.state, on_save=self.save, on_delete=self.confirm_delete,
                        on_duplicate=self.duplicate)

    async def save(self, action: SaveAction, fold: int | None = None) -> None:
        if fold is None and not await self.queue.which_occurrences():  # of a recurring post: this one, or later too?
            return
        self.attempted, self.refusal, scheduled_at = action, None, None
        was = self.state.status if self.state.post_id is not None else None
        try:
            if action in (SaveAction.SCHEDULE, SaveAction.SUBMIT):  # submitted: the time wanted
                scheduled_at = unless_unchanged(self.saved_at, local_to_utc(
                    date.fromisoformat(self.date_input.value), time.fromisoformat(self.time_input.value),
                    self.user.timezone, fold=fold))
            elif action == SaveAction.DRAFT and self.saved_at:  # an unscheduled post keeps the time it had
                scheduled_at = unless_unchanged(self.saved_at, self._chosen_time()[0])
            saved = actions.save(self.user.id, self.state.as_input(scheduled_at), action,
                                 post_id=self.state.post_id, actor=self.user, ip=client_ip())
        except AmbiguousTime as ambiguous:
            choice = await ask_which_time(ambiguous, self.user.timezone)
            if choice is not None:
                await self.save(action, fold=choice)
            return
        except (PostRefused, ValueError):
            self._recheck()  # the list shows every reason, and keeps following the form
            notify(_('The post was not saved: fix what is listed above.'), 'negative')
            return
        except UserError as refusal:
            self.refusal = explain(refusal)
            self._recheck()
            notify(self.refusal, 'negative')
            return
        self.unsaved.saved()
        if not leave_after_save(action, was, saved, self.user):  # the draft goes on being written here
            self.attempted, self.saved_at = None, scheduled_at
            if was != PostStatus.DRAFT:  # it offers what a draft can do now
                self.state.status = PostStatus.DRAFT
                self.buttons.refresh()
                self.schedule_note.refresh()
            self._recheck()

    async def confirm_delete(self) -> None:
        await delete_after_asking(self.state.post_id, self.user, self.unsaved)

    def duplicate(self) -> None:
        duplicate(self.state.post_id, self.user)
