"""One channel's tab in the composer: the main post it uses (read-only, with "Customise for this channel"), or its
own version (text, which of the post's media in what order, the platform's options) with "Reset to the main post";
and what stops this channel, as it is now."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nicegui import ui

from components.compose_buttons import problem_list
from components.compose_state import ComposeState
from components.confirm import confirm
from components.media_strip import media_strip
from components.post_options import option_fields
from components.post_preview import length_chip
from components.session import guarded
from components.translate import _, isolate
from components.version_media import version_media
from services.connections import channels as channel_book
from services.core.models import Channel
from services.platforms import registry


class VersionPanel:
    """The tab of `channel`. `on_edit` after each change of its version (to check and preview it again);
    `on_rebuild` after it is customised or reset (the tab is drawn again); `problems()` what stops the channel
    now; `choices(platform, option)` the values the platform allows it, None for the spec's."""

    def __init__(self, state: ComposeState, channel: Channel, *, on_edit: Callable[[], None],
                 on_rebuild: Callable[[], None], problems: Callable[[], list[str]],
                 choices: Callable[[str, str], Sequence[str] | None]) -> None:
        self.state, self.channel = state, channel
        self.on_edit, self.on_rebuild, self.problems, self.choices = on_edit, on_rebuild, problems, choices
        self.checks = ui.refreshable(self._checks)

    def build(self) -> None:
        channel, customised = self.channel, self.state.is_customised(self.channel.id)
        with ui.column().classes('w-full gap-3').mark(f'version-{channel.id}'):
            with ui.row().classes('w-full items-center gap-2 no-wrap text-sm font-semibold text-primary'):
                ui.icon(registry.icon(channel.platform))
                ui.label(channel_book.full_title(channel)).classes('min-w-0').props('dir=auto') \
                    .style('overflow-wrap: anywhere')
            if customised:
                self._own_version()
            else:
                self._uses_main()
            self.checks()

    def refresh_checks(self) -> None:
        self.checks.refresh()

    def _uses_main(self) -> None:
        channel, state = self.channel, self.state
        # on a phone the button goes under the words rather than squeeze them into a column
        with ui.row().classes('w-full items-center gap-2 rounded p-2 bg-blue-50').mark(f'uses-main-{channel.id}'):
            with ui.row().classes('items-center gap-2 no-wrap flex-1 min-w-40'):
                ui.icon('link').classes('text-primary')
                ui.label(_('Uses the main post')).classes('text-sm')
            if state.editable:
                ui.button(_('Customise for this channel'), icon='tune', on_click=guarded(self.customise)) \
                    .props('outline dense no-caps').mark(f'customise-{channel.id}')
        with ui.element('div').classes('w-full rounded border border-gray-300 p-3 text-sm whitespace-pre-wrap') \
                .classes('bg-gray-50').style('overflow-wrap: anywhere').props('dir=auto') \
                .mark(f'main-text-{channel.id}'):
            ui.label(state.text or _('No text.')).classes('' if state.text else 'text-gray-600')
        self._counter()  # the main text cannot change while this tab is open
        media_strip(state.effective_for(channel).media, on_remove=None, on_move=None)

    def _own_version(self) -> None:
        channel, state = self.channel, self.state
        got = state.effective_for(channel)
        text = ui.textarea(_('Text for this channel'), value=got.text, on_change=self._text_changed) \
            .props('outlined autogrow counter=false dir=auto input-style="max-height: 18rem; overflow-y: auto"') \
            .classes('w-full').mark(f'version-text-{channel.id}')
        text.set_enabled(state.editable)
        self.counter = ui.refreshable(self._counter)
        self.counter()
        self.media = ui.refreshable(self._media)
        self.media()
        spec = registry.find(channel.platform)
        if spec is not None and spec.options:
            with ui.card().classes('w-full gap-2').mark(f'version-options-{channel.id}'):
                ui.label(_('Options for this channel')).classes('font-semibold')
                values = dict(got.options)
                option_fields(spec, values, self._option_changed, choices=lambda name: self.choices(spec.name, name),
                              marker=f'version-{channel.id}-', enabled=state.editable)
                own = state.versions[channel.id].options or {}
                if any(values.get(name) != value for name, value in own.items()):  # a choice no longer allowed
                    state.change_version(channel.id, options={name: values.get(name) for name in own})
        if state.editable:
            ui.button(_('Reset to the main post'), icon='restart_alt', on_click=guarded(self.reset)) \
                .props('flat no-caps color=negative').mark(f'reset-{channel.id}')

    def _counter(self) -> None:
        got = self.state.effective_for(self.channel)
        length_chip(self.channel.platform, got.text, bool(got.media), marker=f'count-channel-{self.channel.id}')

    def _media(self) -> None:
        got = self.state.effective_for(self.channel)
        version_media(self.state.media, [asset.id for asset in got.media], channel_id=self.channel.id,
                      on_change=guarded(self._media_changed) if self.state.editable else None)

    def _checks(self) -> None:
        if not self.state.editable:  # a published post is not checked again
            return
        problem_list(self.problems(), ready=_('Ready for this channel.'), marker=f'version-problems-{self.channel.id}')

    def _text_changed(self, event: Any) -> None:
        self.state.change_version(self.channel.id, text=event.value or '')
        self.counter.refresh()
        self.on_edit()

    def _media_changed(self, chosen: list[int]) -> None:
        self.state.change_version(self.channel.id, media_ids=chosen)
        self.media.refresh()
        self.counter.refresh()
        self.on_edit()

    def _option_changed(self, name: str, value: Any) -> None:
        own = self.state.versions.get(self.channel.id)
        self.state.change_version(self.channel.id, options={**((own.options if own else None) or {}), name: value})
        self.on_edit()

    def customise(self) -> None:
        self.state.customise(self.channel.id)
        self.on_rebuild()

    async def reset(self) -> None:
        question = _('Reset %(channel)s to the main post? Its own text, choice of media and options are lost.',
                     channel=isolate(channel_book.full_title(self.channel)))
        if await confirm(question, keep=_('Cancel'), act=_('Reset'), marker=f'confirm-reset-{self.channel.id}'):
            self.state.reset(self.channel.id)
            self.on_rebuild()
