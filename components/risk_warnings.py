"""Warnings before a post would fail, where the user works: under the composer's time, what would fail on each
chosen channel at that time and the way out; on the calendar, an icon on a post at risk that says why. Both ask
services/notifications (risks, lookahead): the same check the notifications come from."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from nicegui import background_tasks, ui

from components.post_summary import moment
from components.translate import _, current_language, isolate
from services.connections.channels import full_title
from services.core.config import get_settings
from services.core.i18n import direction
from services.core.models import AccountStatus, Channel
from services.notifications import lookahead
from services.notifications.risks import NO_PUBLIC_URL, NOT_CONNECTED, WAY_OUT, Risk


def risk_sentences(risks: Sequence[Risk], channels: dict[int, Channel], due: datetime, language: str,
                   time_zone: str) -> list[str]:
    """Each risk in words: the channel, what would fail, the way out (e.g. 'Telegram · Arabic: the channel is not
    connected. Reconnect Telegram · Arabic before Tue, Dec 8, 9:00 AM.')."""
    when = moment(language, due, time_zone)
    said = []
    for risk in risks:
        channel = channels.get(risk.channel_id)
        title = full_title(channel) if channel else _('a channel')
        title = isolate(title) if direction(language) == 'rtl' else title  # a Latin name keeps its own order
        said.append(_('%(channel)s: %(reason)s.', channel=title, reason=_(risk.reason)) + ' '
                    + _(WAY_OUT[risk.reason], channel=title, when=when))
    return list(dict.fromkeys(said))


class RiskWarnings:
    """The composer's warnings for the chosen time: checked again whenever the channels, the media or the time
    change (the platforms are asked first: a token renewed, the day's quota read), and drawn when the answer
    comes, unless something changed meanwhile."""

    def __init__(self, chosen: Callable[[], list[Channel]], media_ids: Callable[[], list[int]],
                 due: Callable[[], datetime | None], post_id: Callable[[], int | None], time_zone: str) -> None:
        self._chosen, self._media_ids, self._due, self._post_id = chosen, media_ids, due, post_id
        self._time_zone, self._language = time_zone, current_language()
        self._asked: tuple | None = None
        self.box = ui.column().classes('w-full gap-1').mark('risk-warnings')
        self.recheck()

    def recheck(self) -> None:
        """Check again if the channels, media or time differ from the last check."""
        due, chosen = self._due(), self._chosen()
        asked = (tuple(channel.id for channel in chosen), tuple(self._media_ids()), due)
        if asked == self._asked:
            return
        self._asked = asked
        if due is None or not chosen:
            self.box.clear()
            return
        background_tasks.create(self._check(asked, {channel.id: channel for channel in chosen}), name='post risks')

    async def _check(self, asked: tuple, channels: dict[int, Channel]) -> None:
        channel_ids, media_ids, due = asked
        found = await lookahead.risks_of_draft(get_settings(), channel_ids, media_ids, due, post_id=self._post_id())
        found = [risk for risk in found if not _said_above(risk, channels)]
        if asked != self._asked or self.box.is_deleted:  # changed while the platforms answered, or the page left
            return
        self.box.clear()
        with self.box:
            for sentence in risk_sentences(found, channels, due, self._language, self._time_zone):
                with ui.row().classes('w-full items-start gap-2 no-wrap rounded p-2 bg-amber-50'):
                    ui.icon('schedule').classes('text-warning')
                    ui.label(sentence).classes('text-sm').mark('risk')  # the page's direction: names are isolated


def _said_above(risk: Risk, channels: dict[int, Channel]) -> bool:
    """Whether the composer's channel warnings (components/channel_picker.py) already say it, whatever the time: a
    channel that needs reconnecting, a platform that needs PUBLIC_BASE_URL."""
    channel = channels.get(risk.channel_id)
    return risk.reason == NO_PUBLIC_URL or (
        risk.reason == NOT_CONNECTED and channel is not None and channel.status == AccountStatus.NEEDS_RECONNECT)


def risk_icon(post_id: int, risks: Sequence[Risk], channels: dict[int, Channel], due: datetime,
              time_zone: str) -> None:
    """A warning icon on a calendar entry whose post would fail; the reasons are its tooltip and its name."""
    said = ' '.join(risk_sentences(risks, channels, due, current_language(), time_zone))
    label = _('Would fail: %(reasons)s', reasons=said)
    # the focusable element is a span named by the reasons: Quasar hides its icons from screen readers
    with ui.element('span').classes('text-warning me-auto cursor-help inline-flex').props('role=img tabindex=0') \
            .tooltip(label).mark(f'risk-{post_id}') as holder:
        ui.icon('warning', size='1.1rem')
    holder.props['aria-label'] = label  # set, not parsed: the reasons may hold quotes
