"""Turning a wall-clock time in a user's time zone into UTC, with the daylight-saving edge cases made explicit."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from services.core.errors import UserError
from services.core.i18n import N_


class AmbiguousTime(UserError):
    """The local time happens twice (clocks go back); `earlier` and `later` are the two UTC instants."""

    def __init__(self, earlier: datetime, later: datetime) -> None:
        super().__init__(N_('This time happens twice on that day because the clocks go back. Choose which one.'))
        self.earlier = earlier
        self.later = later


def local_to_utc(day: date, at: time, time_zone: str, *, fold: int | None = None) -> datetime:
    """The UTC instant of `day` `at` o'clock in `time_zone`.

    Raises UserError when that time does not exist (clocks go forward), AmbiguousTime when it exists twice and
    `fold` (0 = the first, 1 = the second) was not given.
    """
    zone = ZoneInfo(time_zone)
    first = datetime.combine(day, at, tzinfo=zone).replace(fold=0)
    second = first.replace(fold=1)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != first.replace(tzinfo=None):
        raise UserError(N_('%(time)s does not exist on that day because the clocks go forward. Pick another time.'),
                        time=at.strftime('%H:%M'))
    utc_first, utc_second = first.astimezone(UTC), second.astimezone(UTC)
    if utc_first != utc_second and fold is None:
        raise AmbiguousTime(min(utc_first, utc_second), max(utc_first, utc_second))
    return utc_second if fold == 1 else utc_first


def utc_to_local(value: datetime, time_zone: str) -> datetime:
    return value.astimezone(ZoneInfo(time_zone))


def first_day_of_week(language: str, time_zone: str, region: str = '') -> int:
    """The day a week starts on (0 = Monday … 6 = Sunday) in the country of `time_zone` as CLDR has it (Sunday in
    the US and Saudi Arabia, Saturday in Egypt, Monday in Germany); for a zone of no country (UTC), in `region`
    (the browser's, e.g. 'US'); else the language's default."""
    territory = get_global('zone_territories').get(time_zone, '')
    if not territory.isalpha() or territory == 'ZZ':  # not a country
        territory = region.upper() if region.isalpha() and len(region) == 2 else ''
    if territory:
        spoken = get_global('territory_languages').get(territory, {})
        for candidate in (language, *spoken):
            try:
                return Locale.parse(f'{candidate}_{territory}').first_week_day
            except (UnknownLocaleError, ValueError):
                continue
    return Locale.parse(language).first_week_day
