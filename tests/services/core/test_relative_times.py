"""'in 5 minutes' / '3 hours ago' in the user's language, through Babel."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.core.i18n import format_relative

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(('offset', 'english', 'arabic'), [
    (timedelta(minutes=5), 'in 5 minutes', 'خلال 5 دقائق'),
    (timedelta(minutes=55), 'in 55 minutes', 'خلال 55 دقيقة'),
    (timedelta(days=2), 'in 2 days', 'خلال يومين'),
    (timedelta(hours=-3), '3 hours ago', 'قبل 3 ساعات'),
    (timedelta(minutes=-1), '1 minute ago', 'قبل دقيقة واحدة'),
    (timedelta(days=-1), '1 day ago', 'قبل يوم واحد'),
])
def test_future_and_past_in_english_and_arabic(offset, english, arabic):
    assert format_relative('en', NOW + offset, NOW) == english
    assert format_relative('ar', NOW + offset, NOW) == arabic


def test_under_a_minute_either_way_is_now():
    assert format_relative('en', NOW + timedelta(seconds=40), NOW) == 'now'
    assert format_relative('en', NOW - timedelta(seconds=59), NOW) == 'now'


def test_the_moment_may_be_in_any_zone():
    cairo = (NOW + timedelta(hours=2)).astimezone(ZoneInfo('Africa/Cairo'))
    assert format_relative('en', cairo, NOW) == 'in 2 hours'


def test_an_unknown_language_falls_back_to_english():
    assert format_relative('xx', NOW - timedelta(hours=5), NOW) == '5 hours ago'
