from datetime import UTC, date, datetime, time

import pytest

from services.core.errors import UserError
from services.core.timezones import AmbiguousTime, local_to_utc


def test_ordinary_local_time_becomes_utc():
    assert local_to_utc(date(2026, 7, 1), time(9, 30), 'Africa/Cairo') == datetime(2026, 7, 1, 6, 30,
                                                                                 tzinfo=UTC)


def test_a_time_in_the_spring_forward_gap_is_refused():
    with pytest.raises(UserError, match='does not exist') as refused:
        local_to_utc(date(2026, 3, 29), time(2, 30), 'Europe/Berlin')
    assert refused.value.params == {'time': '02:30'}


def test_a_time_in_the_fall_back_overlap_asks_which_one():
    with pytest.raises(AmbiguousTime) as ambiguous:
        local_to_utc(date(2026, 10, 25), time(2, 30), 'Europe/Berlin')
    assert ambiguous.value.earlier == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert ambiguous.value.later == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert local_to_utc(date(2026, 10, 25), time(2, 30), 'Europe/Berlin', fold=1) == ambiguous.value.later
