"""Posting times become instants: the same local time across daylight saving, a skipped time moved to the next
minute that exists, a doubled time used once, and taken slots passed over."""
from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.core.errors import UserError
from services.queue.slots import PostingTime, free_slots, parse_times, slot_instants

BERLIN = 'Europe/Berlin'
EVERY_DAY = tuple(range(7))


def local(instant: datetime, zone: str = BERLIN) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime('%a %Y-%m-%d %H:%M %Z')


def first(times: list[PostingTime], after: datetime, count: int, zone: str = BERLIN) -> list[str]:
    found = []
    for instant in slot_instants(times, zone, after):
        found.append(local(instant, zone))
        if len(found) == count:
            return found
    return found


def test_a_nine_o_clock_slot_stays_at_nine_local_across_the_spring_change():
    times = [PostingTime(time(9), EVERY_DAY)]
    assert first(times, datetime(2027, 3, 26, 12, tzinfo=UTC), 4) == [
        'Sat 2027-03-27 09:00 CET', 'Sun 2027-03-28 09:00 CEST', 'Mon 2027-03-29 09:00 CEST',
        'Tue 2027-03-30 09:00 CEST']


def test_a_half_past_two_slot_on_the_spring_forward_day_moves_to_three_o_clock():
    times = [PostingTime(time(2, 30), EVERY_DAY)]
    found = first(times, datetime(2027, 3, 27, 12, tzinfo=UTC), 2)
    # 02:00–03:00 does not exist on 28 March 2027 in Berlin: the next minute that does is 03:00 summer time
    assert found == ['Sun 2027-03-28 03:00 CEST', 'Mon 2027-03-29 02:30 CEST']


def test_a_skipped_slot_that_lands_on_a_real_slot_is_one_slot():
    times = [PostingTime(time(2, 30), EVERY_DAY), PostingTime(time(3), EVERY_DAY)]
    assert first(times, datetime(2027, 3, 27, 12, tzinfo=UTC), 3) == [
        'Sun 2027-03-28 03:00 CEST', 'Mon 2027-03-29 02:30 CEST', 'Mon 2027-03-29 03:00 CEST']


def test_a_half_past_two_slot_on_the_fall_back_day_is_used_once_the_first_time():
    times = [PostingTime(time(2, 30), EVERY_DAY)]
    instants = []
    for instant in slot_instants(times, BERLIN, datetime(2027, 10, 30, 12, tzinfo=UTC)):
        instants.append(instant)
        if len(instants) == 2:
            break
    # 02:30 happens twice on 31 October 2027 (summer time, then winter time): the first one only
    assert instants == [datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 11, 1, 1, 30, tzinfo=UTC)]
    assert [local(instant) for instant in instants] == ['Sun 2027-10-31 02:30 CEST', 'Mon 2027-11-01 02:30 CET']


def test_between_the_two_half_past_twos_the_doubled_slot_is_not_offered_again():
    times = [PostingTime(time(2, 30), EVERY_DAY)]
    after_first = datetime(2027, 10, 31, 0, 45, tzinfo=UTC)  # 02:45 summer time, before the clocks go back
    assert first(times, after_first, 1) == ['Mon 2027-11-01 02:30 CET']


def test_the_next_free_slot_of_a_full_week_is_in_the_week_after():
    times = [PostingTime(time(9), (0, 2, 4)), PostingTime(time(17, 30), (0, 2, 4))]
    monday = datetime(2027, 1, 4, 6, tzinfo=UTC)  # Monday 07:00 in Berlin
    week = [instant for instant, _ in zip(slot_instants(times, BERLIN, monday), range(6), strict=False)]
    assert [local(instant) for instant in week] == [
        'Mon 2027-01-04 09:00 CET', 'Mon 2027-01-04 17:30 CET', 'Wed 2027-01-06 09:00 CET',
        'Wed 2027-01-06 17:30 CET', 'Fri 2027-01-08 09:00 CET', 'Fri 2027-01-08 17:30 CET']
    found = free_slots(times, BERLIN, monday, set(week), 2)
    assert [local(instant) for instant in found] == ['Mon 2027-01-11 09:00 CET', 'Mon 2027-01-11 17:30 CET']


def test_a_slot_taken_in_the_middle_is_passed_over_and_the_earlier_gap_used():
    times = [PostingTime(time(9), EVERY_DAY)]
    monday = datetime(2027, 1, 4, 6, tzinfo=UTC)
    taken = {datetime(2027, 1, 4, 8, tzinfo=UTC), datetime(2027, 1, 6, 8, tzinfo=UTC)}
    assert [local(i) for i in free_slots(times, BERLIN, monday, taken, 2)] == [
        'Tue 2027-01-05 09:00 CET', 'Thu 2027-01-07 09:00 CET']


def test_a_channel_without_posting_times_says_so():
    with pytest.raises(UserError) as refused:
        free_slots([], BERLIN, datetime(2027, 1, 4, tzinfo=UTC), set(), 1, channel_title='Telegram · Arabic')
    assert refused.value.params == {'channel': 'Telegram · Arabic'}
    assert 'no posting times' in refused.value.message


def test_rows_of_the_same_time_merge_and_bad_rows_are_refused():
    assert parse_times([{'time': '13:00', 'days': [4]}, {'time': '09:00', 'days': [0]},
                        {'time': '13:00', 'days': [1, 4]}]) == [PostingTime(time(9), (0,)),
                                                                PostingTime(time(13), (1, 4))]
    for bad in ({'time': '25:00', 'days': [0]}, {'time': '09:00', 'days': []}, {'time': '09:00', 'days': [7]}):
        with pytest.raises(UserError):
            parse_times([bad])
