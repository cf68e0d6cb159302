"""Write a post: text, photos and videos, where it goes; save a draft, schedule it, or publish it now."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from fastapi import Request
from nicegui import APIRouter, events, ui

from components.confirm import confirm
from components.drop_zone import drop_zone
from components.media_strip import media_strip
from components.platform_picker import platform_picker, platform_warnings
from components.post_preview import length_chip, post_preview
from components.reschedule_dialog import ask_which_time
from components.schedule_picker import schedule_picker
from components.session import client_ip, guarded, page_user
from components.theme import frame
from components.translate import _, current_language, explain
from services.connections.accounts import accounts_by_platform, tiktok_creator_info
from services.core.config import get_settings
from services.core.errors import UserError
from services.core.i18n import N_, format_datetime
from services.core.models import AccountStatus, MediaAsset, User, utcnow
from services.core.timezones import AmbiguousTime, local_to_utc, utc_to_local
from services.media import cleanup, library
from services.posts import editing
from services.posts.checks import PLATFORM_LABELS, check_post
from services.posts.editing import PostInput, PostRefused, SaveAction
from services.publishing.engine import get_engine

router = APIRouter()
UPLOAD_CHUNK = 256 * 1024
PRIVACY = {'youtube': ['public', 'unlisted', 'private'],
           'tiktok': ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY']}


@dataclass
class ComposeState:
    post_id: int | None = None
    text: str = ''
    media: list[MediaAsset] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    options: dict[str, dict] = field(default_factory=dict)
    editable: bool = True

    def as_input(self, scheduled_at: datetime | None = None) -> PostInput:
        return PostInput(text=self.text, media_ids=[m.id for m in self.media], platforms=list(self.platforms),
                         options=self.options, scheduled_at=scheduled_at)


def load_state(post_id: int | None) -> tuple[ComposeState, datetime | None]:
    details = editing.get_post(post_id) if post_id else None
    if details is None:
        return ComposeState(), None
    state = ComposeState(post_id=details.post.id, text=details.post.text, media=details.media,
                         platforms=details.platforms, options=dict(details.post.options or {}),
                         editable=details.editable)
    return state, details.post.scheduled_at


@router.page('/compose')
def compose_page(request: Request, post: int | None = None) -> None:
    user = page_user(request)
    state, scheduled_at = load_state(post)
    accounts = accounts_by_platform()
    title = _('Write a post') if state.post_id is None else _('Edit the post')
    with frame(title, user):
        if not state.editable:
            with ui.row().classes('w-full items-center gap-2 rounded p-2 bg-blue-50').mark('read-only'):
                ui.icon('lock')
                ui.label(_('This post has been published and can no longer be changed. Duplicate it to reuse it.'))
        with ui.row().classes('w-full gap-4 items-start max-md:flex-col'):
            with ui.column().classes('flex-1 min-w-0 w-full gap-3'):
                editor = _Editor(state, user, scheduled_at, accounts)
                editor.build_main()
            with ui.column().classes('w-full md:w-80 gap-3'):
                with ui.card().classes('w-full gap-2'):
                    ui.label(_('Where it goes')).classes('font-semibold')
                    platform_picker(accounts, set(state.platforms), guarded(editor.toggle_platform),
                                    enabled=state.editable)
                editor.build_side()
        tiktok = accounts.get('tiktok')
        if state.editable and tiktok is not None and tiktok.status == AccountStatus.CONNECTED:
            ui.timer(0, editor.load_tiktok_choices, once=True)  # after the page is shown: TikTok may be slow


class _Editor:
    """The composer's parts that change as the user types, adds media or picks platforms."""

    def __init__(self, state: ComposeState, user: User, scheduled_at: datetime | None,
                 accounts: dict | None = None) -> None:
        self.state, self.user = state, user
        self.accounts = accounts if accounts is not None else accounts_by_platform()
        self.privacy = dict(PRIVACY)  # TikTok's options become the creator's own once TikTok has named them
        self.tiktok_longest: int | None = None
        local = utc_to_local(scheduled_at, user.timezone) if scheduled_at else \
            utc_to_local(utcnow() + timedelta(hours=1), user.timezone)
        self.day, self.at = local.strftime('%Y-%m-%d'), local.strftime('%H:%M')
        self.errors: list[str] = []

    def build_main(self) -> None:
        state = self.state
        text = ui.textarea(_('Text'), value=state.text, on_change=self.text_changed) \
            .props('outlined autogrow counter=false').classes('w-full').mark('post-text')
        text.set_enabled(state.editable)
        self.counts = ui.refreshable(self._counts)
        self.counts()
        if state.editable:
            drop_zone(guarded(self.upload), max_mb=get_settings().max_upload_mb)
        self.media_view = ui.refreshable(self._media)
        self.media_view()
        self.options_view = ui.refreshable(self._options)
        self.options_view()
        if state.editable:
            with ui.card().classes('w-full gap-2'):
                ui.label(_('When')).classes('font-semibold')
                self.date_input, self.time_input = schedule_picker(self.day, self.at, self.user.timezone)
        self.warnings_view = ui.refreshable(self._warnings)
        self.warnings_view()
        self.problems_view = ui.refreshable(self._problems)
        self.problems_view()
        self._buttons()

    def build_side(self) -> None:
        self.previews = ui.refreshable(self._previews)
        self.previews()

    def refresh(self) -> None:
        for view in (self.counts, self.options_view, self.warnings_view, self.problems_view, self.previews):
            view.refresh()

    def text_changed(self, event: events.ValueChangeEventArguments) -> None:
        self.state.text = event.value or ''
        self.refresh()

    def toggle_platform(self, platform: str, chosen: bool) -> None:
        platforms = [p for p in self.state.platforms if p != platform]
        self.state.platforms = platforms + [platform] if chosen else platforms
        self.refresh()

    async def upload(self, event: events.UploadEventArguments) -> None:
        try:
            asset = await library.store_upload(event.file.iterate(chunk_size=UPLOAD_CHUNK), event.file.name,
                                             uploaded_by=self.user.id)
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative', multi_line=True)
            return
        if all(existing.id != asset.id for existing in self.state.media):
            self.state.media.append(asset)
        self.media_view.refresh()
        self.refresh()

    def remove_media(self, media_id: int) -> None:
        self.state.media = [m for m in self.state.media if m.id != media_id]
        cleanup.delete_if_unused(media_id)  # kept while a saved post still uses it; the daily sweep takes it then
        self.media_view.refresh()
        self.refresh()

    def move_media(self, index: int, step: int) -> None:
        items = self.state.media
        target = index + step
        if 0 <= target < len(items):
            items[index], items[target] = items[target], items[index]
            self.media_view.refresh()

    def _counts(self) -> None:
        with ui.row().classes('gap-1'):
            for platform in self.state.platforms:
                length_chip(platform, self.state.text, bool(self.state.media))

    def _media(self) -> None:
        editable = self.state.editable
        media_strip(self.state.media, on_remove=guarded(self.remove_media) if editable else None,
                    on_move=guarded(self.move_media) if editable else None)

    def _options(self) -> None:
        for platform in ('youtube', 'tiktok'):
            if platform not in self.state.platforms:
                continue
            options = self.state.options.setdefault(platform, {})
            choices = self.privacy[platform]
            if options.get('privacy') not in choices:
                options['privacy'] = choices[0]
            if platform == 'tiktok' and self.tiktok_longest:
                options['max_duration_s'] = self.tiktok_longest
            with ui.card().classes('w-full gap-2').mark(f'options-{platform}'):
                ui.label(PLATFORM_LABELS[platform]).classes('font-semibold')
                if platform == 'youtube':
                    ui.input(_('Video title'), value=options.get('title', ''),
                             on_change=lambda e, o=options: (o.update(title=e.value or ''), self._light_refresh())) \
                        .props('outlined dense maxlength=200').classes('w-full').mark('youtube-title')
                ui.select({value: _(PRIVACY_LABELS.get(value, value)) for value in choices}, label=_('Who can see it'),
                          value=options['privacy'], on_change=lambda e, o=options: o.update(privacy=e.value)) \
                    .props('outlined dense').classes('w-full').mark(f'{platform}-privacy')

    async def load_tiktok_choices(self) -> None:
        """The privacy options and longest video TikTok allows the connected creator (else the defaults stay)."""
        client = ui.context.client
        info = await tiktok_creator_info(get_settings()) or {}
        if client.is_deleted:  # the page was left while TikTok answered
            return
        choices = [str(option) for option in info.get('privacy_level_options') or []]
        longest = info.get('max_video_post_duration_sec')
        if choices:
            self.privacy['tiktok'] = choices
        if isinstance(longest, int) and longest > 0:
            self.tiktok_longest = longest
        if choices or self.tiktok_longest:
            self.refresh()

    def _warnings(self) -> None:
        if self.state.editable:
            platform_warnings(self.accounts, self.state.platforms)

    def _light_refresh(self) -> None:
        self.problems_view.refresh()
        self.previews.refresh()

    def _problems(self) -> None:
        state = self.state
        if not state.editable:
            return
        if not (state.text or state.media or state.platforms or self.errors):  # nothing to judge yet
            ui.label(_('Write something or add photos, then choose where it goes.')) \
                .classes('text-sm text-gray-600').mark('problems')
            return
        found = check_post(state.text, editing.media_facts(state.media), state.platforms, state.options)
        messages = [_(problem.message, **problem.params) for problem in found] + self.errors
        with ui.column().classes('w-full gap-1').mark('problems'):
            for message in messages:
                with ui.row().classes('items-start gap-2 text-negative no-wrap'):
                    ui.icon('error_outline')
                    ui.label(message).classes('text-sm')
            if not messages:
                with ui.row().classes('items-center gap-2 text-positive'):
                    ui.icon('check_circle')
                    ui.label(_('Ready for every chosen platform.')).classes('text-sm')

    def _previews(self) -> None:
        if not self.state.platforms:
            ui.label(_('Choose where the post goes to see a preview.')).classes('text-sm text-gray-600')
        for platform in self.state.platforms:
            post_preview(platform, self.state.text, len(self.state.media), self.state.options.get(platform, {}))

    def _buttons(self) -> None:
        with ui.row().classes('w-full gap-2 flex-wrap'):
            if self.state.editable:
                ui.button(_('Publish now'), icon='send', on_click=guarded(lambda: self.save(SaveAction.PUBLISH))) \
                    .props('unelevated').mark('publish-now')
                ui.button(_('Schedule'), icon='event', on_click=guarded(lambda: self.save(SaveAction.SCHEDULE))) \
                    .props('unelevated color=secondary').mark('schedule')
                ui.button(_('Save draft'), icon='save', on_click=guarded(lambda: self.save(SaveAction.DRAFT))) \
                    .props('outline').mark('save-draft')
            if self.state.post_id is not None:
                ui.space()
                if self.state.editable:
                    ui.button(_('Delete'), icon='delete', on_click=guarded(self.confirm_delete)) \
                        .props('flat color=negative').mark('delete-post')
                else:
                    ui.button(_('Duplicate'), icon='content_copy', on_click=guarded(self.duplicate)) \
                        .props('outline').mark('duplicate-post')

    async def save(self, action: SaveAction, fold: int | None = None) -> None:
        self.errors = []
        scheduled_at = None
        try:
            if action == SaveAction.SCHEDULE:
                scheduled_at = local_to_utc(date.fromisoformat(self.date_input.value),
                                            time.fromisoformat(self.time_input.value), self.user.timezone, fold=fold)
            saved = editing.save_post(self.user.id, self.state.as_input(scheduled_at), action,
                                    post_id=self.state.post_id, actor=self.user, ip=client_ip())
        except AmbiguousTime as ambiguous:
            choice = await ask_which_time(ambiguous, self.user.timezone)
            if choice is not None:
                await self.save(SaveAction.SCHEDULE, fold=choice)
            return
        except PostRefused as refused:
            self.errors = [_(p.message, **p.params) for p in refused.problems]
            self.problems_view.refresh()
            ui.notify(_('The post was not saved: fix what is listed above.'), type='negative')
            return
        except UserError as refusal:
            self.errors = [explain(refusal)]
            self.problems_view.refresh()
            ui.notify(explain(refusal), type='negative')
            return
        except ValueError:
            self.errors = [_('Enter the date as YYYY-MM-DD and the time as HH:MM.')]
            self.problems_view.refresh()
            return
        if action == SaveAction.PUBLISH:
            get_engine().start(saved.id)
        self.announce(action, saved.scheduled_at)
        ui.navigate.to(f'/compose?post={saved.id}' if action == SaveAction.DRAFT else f'/history/{saved.id}')

    def announce(self, action: SaveAction, scheduled_at: datetime | None) -> None:
        if action == SaveAction.DRAFT:
            ui.notify(_('Draft saved.'), type='positive')
        elif action == SaveAction.PUBLISH:
            ui.notify(_('Publishing started.'), type='positive')
        else:
            when = format_datetime(current_language(), scheduled_at, self.user.timezone, style='medium')
            ui.notify(_('Scheduled for %(when)s.', when=when), type='positive')

    async def confirm_delete(self) -> None:
        question = _('Delete this post? Its photos and videos are deleted too unless another post uses them.')
        if not await confirm(question, keep=_('Cancel'), act=_('Delete'), marker='confirm-delete'):
            return
        try:
            media_ids = editing.delete_post(self.state.post_id, self.user, ip=client_ip())
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative')
            return
        for media_id in media_ids:
            cleanup.delete_if_unused(media_id)
        ui.notify(_('The post was deleted.'), type='positive')
        ui.navigate.to('/history')

    def duplicate(self) -> None:
        copy = editing.duplicate_post(self.state.post_id, self.user)
        ui.notify(_('A new draft was made from this post.'), type='positive')
        ui.navigate.to(f'/compose?post={copy.id}')


PRIVACY_LABELS = {
    'public': N_('Public'), 'unlisted': N_('Unlisted'), 'private': N_('Private'),
    'PUBLIC_TO_EVERYONE': N_('Everyone'), 'MUTUAL_FOLLOW_FRIENDS': N_('Friends'),
    'FOLLOWER_OF_CREATOR': N_('Followers'), 'SELF_ONLY': N_('Only me'),
}
