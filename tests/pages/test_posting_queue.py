"""A channel's posting times on the Channels page, "Add to queue" in the composer, and the queue view of a channel, in
English and Arabic."""
from __future__ import annotations

import pytest
from babel import dates
from nicegui import ui
from nicegui.testing import User

from components.queue_panel import slot_text
from services.connections import channels as channel_book
from services.core import i18n
from services.posts import editing
from services.posts.editing import PostInput
from services.queue import posting_times, queue
from services.team import users
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.harness.builders import telegram_chats

pytestmark = pytest.mark.both_databases


async def give_times(user: User, channel_id: int, at: str, extra_day: int | None = None) -> None:
    """Open the channel's posting times, add a time (Monday to Friday at first), change it to `at`, save."""
    user.find(marker=f'edit-posting-times-{channel_id}').click()
    await user.should_see(marker='posting-add', retries=20)
    user.find(marker='posting-add').click()
    await user.should_see(marker='posting-time-0')
    user.find(marker='posting-time-0').clear().type(at)
    if extra_day is not None:
        for chip in user.find(marker=f'posting-day-0-{extra_day}').elements:
            chip.set_selected(True)  # what the browser's click on the chip sends
    user.find(marker='posting-save').click()


async def test_posting_times_are_given_on_the_channels_page_in_the_teams_time_zone(user: User, admin):
    arabic, english = telegram_chats('Arabic', 'English')
    await open_signed_in(user, *ADMIN, '/channels')
    await user.should_see('No posting times yet: posts cannot be added to its queue.')
    await give_times(user, arabic, '13:30', extra_day=5)
    await user.should_see('Posting times saved.', kind=ui.notification, retries=20)
    await user.should_see('Posting times: Mon, Tue, Wed, Thu, Fri, Sat 1:30\u202fPM', retries=20)
    await user.should_see('Time zone: Europe/Berlin')  # the administrator's, who set the team up
    saved = channel_book.get_channel(arabic)
    assert saved.posting_times == [{'time': '13:30', 'days': [0, 1, 2, 3, 4, 5]}]
    assert posting_times.time_zone_of(saved) == 'Europe/Berlin'
    assert channel_book.get_channel(english).posting_times == []


async def test_a_time_that_is_not_a_time_is_refused_in_the_dialog(user: User, admin):
    [arabic] = telegram_chats('Arabic')
    await open_signed_in(user, *ADMIN, '/channels')
    await give_times(user, arabic, '29:99')
    await user.should_see('29:99 is not a time of day (HH:MM).', retries=20)
    assert channel_book.get_channel(arabic).posting_times == []


async def test_posting_times_read_in_arabic_with_arabic_day_names(user: User, admin):
    [arabic] = telegram_chats('Arabic')
    users.set_language(admin.id, 'ar')
    await open_signed_in(user, *ADMIN, '/channels')
    await user.should_see(i18n.translate('ar', 'No posting times yet: posts cannot be added to its queue.'))
    await give_times(user, arabic, '09:00')
    monday = dates.get_day_names('abbreviated', locale='ar')[0]
    await user.should_see(monday, retries=20)
    await user.should_see(i18n.translate('ar', 'Time zone: %(zone)s', zone='Europe/Berlin'))
    assert channel_book.get_channel(arabic).posting_times == [{'time': '09:00', 'days': [0, 1, 2, 3, 4]}]


def every_day_at(admin, channel_id: int, *hours: str) -> None:
    posting_times.set_posting_times(channel_id, '', [{'time': hour, 'days': list(range(7))} for hour in hours], admin)


def queue_order(channel_id: int) -> list[str]:
    return [item.text for item in queue.queue_of(channel_id).posts]


async def test_add_to_queue_in_the_composer_shows_each_channels_slot_first_then_lands_on_the_queue(user: User, admin):
    arabic, english = telegram_chats('Arabic', 'English')
    every_day_at(admin, arabic, '09:00')
    every_day_at(admin, english, '13:00')
    await open_signed_in(user, *ADMIN, '/compose')
    user.find(marker='post-text').type('Queued from the composer')
    user.find(marker=f'channel-{arabic}').click()
    user.find(marker=f'channel-{english}').click()
    slots = queue.next_slots([arabic, english])
    expected = '; '.join(f'\u2068Telegram · {name}\u2069: {slot_text("en", slots[channel], "Europe/Berlin")}'
                         for name, channel in (('Arabic', arabic), ('English', english)))
    assert ' 9:00\u202fAM' in expected and ' 1:00\u202fPM' in expected  # each channel's own time, in Berlin
    await user.should_see(f'Add to queue: {expected}', retries=20)
    user.find(marker='add-to-queue').click()
    await user.should_see(marker='queue-list', retries=40)  # the first channel's queue
    await user.should_see(f'Added to the queue: {expected}', kind=ui.notification, retries=20)
    assert [text for _time, text in shown_rows(user)] == ['Queued from the composer']
    assert queue_order(arabic) == queue_order(english) == ['Queued from the composer']


async def test_a_channel_without_posting_times_is_named_before_and_after_add_to_queue(user: User, admin):
    [arabic] = telegram_chats('Arabic')
    await open_signed_in(user, *ADMIN, '/compose')
    user.find(marker='post-text').type('Nowhere to go')
    user.find(marker=f'channel-{arabic}').click()
    reason = 'Telegram · Arabic has no posting times yet. Give it some on the Channels page.'
    await user.should_see(f'Add to queue: \u2068Telegram · Arabic\u2069: {reason}', retries=20)
    user.find(marker='add-to-queue').click()
    await user.should_see('The post was not added to the queue: fix what is listed.', kind=ui.notification,
                          retries=20)
    with user.scope(marker='queue-problems'):
        await user.should_see(reason)


def shown_rows(user: User) -> list[tuple[str, str]]:
    """(time, text) of each row of the queue as the page lists it."""
    [table] = user.find(marker='queue-list').elements
    return [(row['when'], row['text']) for row in table.rows]


async def test_the_queue_view_moves_to_the_top_pauses_and_closes_a_gap(user: User, admin):
    [arabic] = telegram_chats('Arabic')
    every_day_at(admin, arabic, '09:00')
    ids = [queue.add_to_queue(admin.id, PostInput(text=text, channels=[arabic]), actor=admin)[0].id
           for text in ('one', 'two', 'three', 'four')]
    await open_signed_in(user, *ADMIN, f'/channels/{arabic}/queue')
    await user.should_see('Queue of \u2068Telegram · Arabic\u2069')
    await user.should_see('Posting times: Every day 9:00\u202fAM')
    times = [row[0] for row in shown_rows(user)]
    assert [row[1] for row in shown_rows(user)] == ['one', 'two', 'three', 'four']
    assert all(time.endswith('9:00\u202fAM') for time in times)

    user.find(marker='queue-list').trigger('top', ids[2])  # the row's "Move to the top" button
    await eventually(lambda: [text for _time, text in shown_rows(user)] == ['three', 'one', 'two', 'four'])
    assert [row[0] for row in shown_rows(user)] == times  # the posts exchanged times; the times stay
    user.find(marker='queue-list').trigger('down', ids[2])
    await eventually(lambda: [text for _time, text in shown_rows(user)] == ['one', 'three', 'two', 'four'])
    assert queue_order(arabic) == ['one', 'three', 'two', 'four']
    user.find(marker='queue-list').trigger('drop', [ids[3], ids[2]])  # "four" dragged onto "three"
    await eventually(lambda: [text for _time, text in shown_rows(user)] == ['one', 'four', 'three', 'two'])
    assert [row[0] for row in shown_rows(user)] == times
    queue.reorder(arabic, [ids[0], ids[2], ids[1], ids[3]], admin)  # back, as the steps below expect

    user.find(marker='pause-queue').click()
    await user.should_see(marker='queue-paused', retries=20)
    await user.should_see('This queue is paused: its posts wait')
    assert queue.queue_of(arabic).paused

    user.find(marker='queue-list').trigger('remove', ids[0])
    await user.should_see('3 posts of the queue come after it.', retries=20)
    user.find(marker='remove-close-gap').click()
    await eventually(lambda: [text for _time, text in shown_rows(user)] == ['three', 'two', 'four'])
    assert [row[0] for row in shown_rows(user)] == times[:3]
    user.find(marker='resume-queue').click()
    await user.should_see(marker='pause-queue', retries=20)
    assert not queue.queue_of(arabic).paused


async def test_the_queue_view_reads_in_arabic(user: User, admin):
    [arabic] = telegram_chats('Arabic')
    every_day_at(admin, arabic, '09:00')
    [post] = queue.add_to_queue(admin.id, PostInput(text='مرحبا', channels=[arabic]), actor=admin)
    users.set_language(admin.id, 'ar')
    await open_signed_in(user, *ADMIN, f'/channels/{arabic}/queue')
    await user.should_see(i18n.translate('ar', 'Pause this channel\'s queue'))
    assert shown_rows(user) == [(slot_text('ar', post.scheduled_at, 'Europe/Berlin'), 'مرحبا')]


async def test_a_post_scheduled_in_the_composer_repeats_weekly_on_the_chosen_days(user: User, admin):
    [arabic] = telegram_chats('Arabic')
    await open_signed_in(user, *ADMIN, '/compose')
    user.find(marker='post-text').type('Every Monday and Thursday')
    user.find(marker=f'channel-{arabic}').click()
    await user.should_see(marker='repeat-frequency')
    for field in user.find(marker='repeat-frequency').elements:
        field.value = 'weekly'  # as choosing "Every week" from the list does
    for day in (0, 3):
        for chip in user.find(marker=f'repeat-day-{day}').elements:
            chip.set_selected(True)
    user.find(marker='schedule').click()
    await eventually(lambda: editing.list_posts())
    [details] = editing.list_posts()
    assert details.post.status == 'scheduled'
    assert details.post.recurrence.endswith('RRULE:FREQ=WEEKLY;BYDAY=MO,TH')
    assert details.post.recurrence_zone == 'Europe/Berlin'
