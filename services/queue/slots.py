"""A channel's posting times (weekdays and times of day in its own time zone) and the instants they fall on.

The times repeat weekly as an RFC 5545 rule (dateutil's `rrule`) over naive wall-clock times, so a 09:00 slot stays
09:00 local across daylight-saving changes; each wall time then becomes one UTC instant: a time the clocks skip
(02:30 when they go forward) moves to the next minute that exists, a time that happens twice (clocks go back) is
used once, the first time.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule, rruleset

from services.core.errors import UserError
from services.core.i18n import N_

MAX_TIMES = 48  # rows of the editor; each may cover all seven days
HORIZON = timedelta(days=366)  # a post cannot be scheduled further ahead than a year
NO_TIMES = N_('%(channel)s has no posting times yet. Give it some on the Channels page.')
QUEUE_FULL = N_('%(channel)s has no free posting time in the coming year.')


@dataclass(frozen=True)
class PostingTime:
    """A time of day on some weekdays (0 = Monday … 6 = Sunday), in the channel's time zone."""

    at: time
    days: tuple[int, ...]

    def as_json(self) -> dict:
        return {'time': self.at.strftime('%H:%M'), 'days': list(self.days)}


def parse_times(raw: Iterable[dict]) -> list[PostingTime]:
    """Posting times as stored on a channel (or sent by the API), checked and in order of the time of day; rows
    of the same time are merged. Raises UserError for a time that is not HH:MM, a weekday outside 0–6, a row
    without weekdays, or too many rows."""
    merged: dict[time, set[int]] = {}
    for row in raw:
        try:
            at = time.fromisoformat(str(row.get('time', '')))
        except ValueError:
            raise UserError(N_('%(time)s is not a time of day (HH:MM).'), time=str(row.get('time', ''))) from None
        days = row.get('days') or []
        if not days:
            raise UserError(N_('Choose at least one weekday for %(time)s.'), time=at.strftime('%H:%M'))
        if any(not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6 for day in days):
            raise UserError(N_('Weekdays are numbered 0 (Monday) to 6 (Sunday).'))
        merged.setdefault(at.replace(second=0, microsecond=0), set()).update(days)
    if len(merged) > MAX_TIMES:
        raise UserError(N_('A channel can have at most %(limit)s posting times a day.'), limit=MAX_TIMES)
    return [PostingTime(at, tuple(sorted(days))) for at, days in sorted(merged.items())]


def wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of the naive wall-clock time `wall` in `zone`: the first one when it happens twice, the next
    minute that exists when the clocks skip it."""
    for minutes in range(0, 48 * 60):  # no zone has skipped more than a day
        first = (wall + timedelta(minutes=minutes)).replace(tzinfo=zone, fold=0)
        # PEP 495: in a skipped hour fold=0 reads the offset from before the change, fold=1 the one after, so the
        # first is the smaller exactly when the time does not exist; a doubled time's fold=0 is its first instant
        if first.utcoffset() >= first.replace(fold=1).utcoffset():
            return (first - first.utcoffset()).replace(tzinfo=UTC)
    raise ValueError(f'{wall} does not exist in {zone.key}')


def slot_instants(times: list[PostingTime], time_zone: str, after: datetime) -> Iterator[datetime]:
    """The UTC instants of `times` in `time_zone` strictly after `after` (aware), earliest first, each once, for as
    long as the caller reads (endless when there are times)."""
    if not times:
        return
    zone = ZoneInfo(time_zone)
    start = after.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    rules = rruleset()
    # one rule per weekday set and minute, with all its hours: fewer rules to merge than one per row
    hours: dict[tuple[tuple[int, ...], int], list[int]] = {}
    for slot in times:
        hours.setdefault((slot.days, slot.at.minute), []).append(slot.at.hour)
    for (days, minute), of_rule in hours.items():
        rules.rrule(rrule(WEEKLY, dtstart=start, byweekday=days, byhour=sorted(of_rule), byminute=minute,
                          bysecond=0))
    last: datetime | None = None
    for wall in rules:
        instant = wall_to_utc(wall, zone)
        if instant <= after or (last is not None and instant <= last):
            continue  # two wall times that became the same instant (a skipped time moved onto a real one)
        last = instant
        yield instant


class SharedSlots:
    """`slot_instants`, each computed once for every channel with the same posting times and zone (channels
    of a team often share them; "Add to queue" to ten channels then walks one series, not ten)."""

    def __init__(self, after: datetime) -> None:
        self.after = after
        self._series: dict[tuple[tuple[PostingTime, ...], str], tuple[Iterator[datetime], list[datetime]]] = {}

    def of(self, times: list[PostingTime], time_zone: str) -> Iterator[datetime]:
        key = (tuple(times), time_zone)
        if key not in self._series:
            self._series[key] = (slot_instants(times, time_zone, self.after), [])
        source, seen = self._series[key]
        index = 0
        while True:
            if index == len(seen):
                instant = next(source, None)
                if instant is None:
                    return
                seen.append(instant)
            yield seen[index]
            index += 1


def free_slots(times: list[PostingTime], time_zone: str, after: datetime, taken: set[datetime], count: int,
               *, channel_title: str = '', shared: SharedSlots | None = None) -> list[datetime]:
    """The first `count` instants of `times` after `after` that are not in `taken` (UTC instants already used);
    `shared` (made with the same `after`) reuses the instants other channels computed.

    Raises UserError when the channel has no posting times, or fewer than `count` are free within a year.
    """
    if not times:
        raise UserError(NO_TIMES, channel=channel_title)
    found: list[datetime] = []
    if count <= 0:
        return found
    limit = after + HORIZON
    for instant in (shared.of(times, time_zone) if shared else slot_instants(times, time_zone, after)):
        if instant > limit:
            break
        if instant not in taken:
            found.append(instant)
            if len(found) == count:
                return found
    raise UserError(QUEUE_FULL, channel=channel_title)
