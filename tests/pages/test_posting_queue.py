"""A channel's posting times on the Channels page, in English and Arabic."""
from __future__ import annotations

from babel import dates
from nicegui import ui
from nicegui.testing import User

from services.connections import channels as channel_book
from services.core import i18n
from services.queue import posting_times
from services.team import users
from tests.conftest import ADMIN, open_signed_in
from tests.harness.builders import telegram_chats


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
