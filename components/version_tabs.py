"""The composer's tabs: the main post, then one per chosen channel with its picture and name, a dot when it has its
own version and a red count when something stops it; and the open channel's tab (components/version_panel.py)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nicegui import ui

from components.channel_picker import channel_avatar
from components.compose_state import ComposeState
from components.session import guarded
from components.translate import _, ngettext, own_direction
from components.version_panel import VersionPanel
from services.connections import channels as channel_book
from services.core.models import Channel
from services.platforms.spec import Problem

MAIN = 'main'


@dataclass(frozen=True)
class TabMark:
    """What a channel's tab says about it."""
    customised: bool = False
    problems: int = 0


def tab_name(channel_id: int | None) -> str:
    return MAIN if channel_id is None else f'channel-{channel_id}'


def version_tabs(channels: list[Channel], marks: dict[int, TabMark], selected: int | None,
                 on_select: Callable[[int | None], object]) -> None:
    """`selected`: the channel whose tab is open, None for the main post; `on_select` gets the one chosen. On a
    narrow screen the tabs scroll sideways (arrows at the ends). Marked `version-tabs`, `tab-main`,
    `tab-channel-<id>`."""
    ids = {tab_name(channel.id): channel.id for channel in channels}
    tabs = ui.tabs(value=tab_name(selected), on_change=lambda e: on_select(ids.get(e.value))) \
        .props('dense no-caps inline-label outside-arrows mobile-arrows align=left active-color=primary '
               'indicator-color=primary') \
        .classes('version-tabs w-full min-w-0 border-b border-gray-300 text-gray-700').mark('version-tabs')
    with tabs:
        ui.tab(MAIN, _('Main post'), icon='edit_note').mark('tab-main')
        for channel in channels:
            _channel_tab(channel, marks.get(channel.id, TabMark()))


def _channel_tab(channel: Channel, mark: TabMark) -> None:
    with ui.tab(tab_name(channel.id), label='').mark(f'tab-channel-{channel.id}'):
        with ui.row().classes('items-center gap-1 no-wrap'):
            channel_avatar(channel, size='1.5rem')
            # the team's name as they wrote it (dir=auto keeps an Arabic name whole); long ones are cut short
            own_direction(ui.label(channel_book.title(channel)).classes('max-w-40 truncate'))
            if mark.problems:
                ui.badge(str(mark.problems), color='negative').props('rounded') \
                    .mark(f'tab-problems-{channel.id}')
                ui.label(ngettext('%(n)s problem', '%(n)s problems', mark.problems)).classes('sr-only')
            elif mark.customised:
                ui.element('span').classes('inline-block w-2 h-2 rounded-full bg-primary') \
                    .mark(f'tab-own-{channel.id}')
            if mark.customised:
                ui.label(_('Has its own version')).classes('sr-only')


class ChannelTabs:
    """The tab bar and the open channel's tab of the composer, kept in step with the form. `chosen()`: the channels
    the post goes to; `on_select(channel id or None)` after another tab is opened; `on_edit` after a version changed
    (`on_rebuild` when it was customised or reset); `problems(channel id)` what stops that channel now;
    `choices(platform, option)` the values the platform allows, None for the spec's."""

    def __init__(self, state: ComposeState, chosen: Callable[[], list[Channel]], *,
                 on_select: Callable[[int | None], None], on_edit: Callable[[], None], on_rebuild: Callable[[], None],
                 problems: Callable[[int], list[str]], choices: Callable[[str, str], Sequence[str] | None]) -> None:
        self.state, self.chosen = state, chosen
        self.on_select, self.on_edit, self.on_rebuild = on_select, on_edit, on_rebuild
        self.problems, self.choices = problems, choices
        self.selected: int | None = None  # the channel whose tab is open; None: the main post's
        self.panel: VersionPanel | None = None
        self.found: list[Problem] = []
        self.marks: dict[int, TabMark] | None = None  # as the bar shows them

    def build_bar(self) -> None:
        # the scroll arrows a phone shows at the ends are 36 px wide: big enough to tap at 40
        ui.add_css('.version-tabs .q-tabs__arrow { min-width: 40px }')
        self.bar = ui.refreshable(self._bar)
        self.bar()

    def build_panel(self) -> None:
        self.view = ui.refreshable(self._panel)
        self.view()

    def select(self, channel_id: int | None) -> None:
        self.selected = channel_id
        self.view.refresh()
        self.on_select(channel_id)

    def channels_changed(self) -> None:
        """The channels were chosen again: a tab each; the main post's is opened when the open one went."""
        if self.selected is not None and self.selected not in self.state.channels:
            self.select(None)
        self.bar.refresh()

    def rebuild(self) -> None:
        """The open channel was customised or reset: its tab is drawn again."""
        self.view.refresh()

    def follow(self, found: list[Problem]) -> None:
        """The form was checked again: the tabs' marks and the open channel's own list show `found`."""
        self.found = found
        if self._marks() != self.marks:
            self.bar.refresh()
        if self.panel is not None:
            self.panel.refresh_checks()

    def _bar(self) -> None:
        self.marks = self._marks()
        version_tabs(self.chosen(), self.marks, self.selected, guarded(self.select))

    def _marks(self) -> dict[int, TabMark]:
        problems: dict[int | None, int] = {}
        for problem in self.found:
            problems[problem.channel] = problems.get(problem.channel, 0) + 1
        return {channel.id: TabMark(self.state.is_customised(channel.id), problems.get(channel.id, 0))
                for channel in self.chosen()}

    def _panel(self) -> None:
        channel = next((c for c in self.chosen() if c.id == self.selected), None)
        self.panel = None
        if channel is not None:
            self.panel = VersionPanel(self.state, channel, on_edit=self.on_edit, on_rebuild=self.on_rebuild,
                                      problems=lambda: self.problems(channel.id), choices=self.choices)
            self.panel.build()
