"""Publishing from the pages: Publish now reaches the fake Telegram, status changes live, Retry, Channels."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from nicegui import ui
from nicegui.testing import User

from services.posts import editing
from services.publishing.engine import get_engine
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, Fault
from tests.harness.builders import channels_of

pytestmark = pytest.mark.both_databases


@pytest.fixture
def telegram(telegram, monkeypatch):
    """The shared fake Telegram, with retries that come quickly and give up after two attempts."""
    monkeypatch.setenv('RETRY_BASE_SECONDS', '0.01')
    monkeypatch.setenv('PUBLISH_MAX_ATTEMPTS', '2')
    return telegram


@pytest.fixture
async def signed_in(telegram, user: User, admin) -> User:
    await open_signed_in(user, *ADMIN)
    return user


async def test_publish_now_reaches_telegram_and_the_status_turns_published(signed_in: User, telegram):
    await signed_in.open('/compose')
    signed_in.find(marker='platform-telegram').elements.pop().set_value(True)
    signed_in.find(marker='post-text').type('Live from the composer')
    signed_in.find(marker='publish-now').click()
    await signed_in.should_see(marker='post-status', retries=40)
    await get_engine().wait_idle()
    assert [(m.method, m.text) for m in telegram.sent] == [('sendMessage', 'Live from the composer')]
    await signed_in.should_see('Published', retries=40)
    await signed_in.should_see('View the post', retries=40)  # the link comes with the next live redraw


async def test_a_second_browser_sees_the_status_change_live(signed_in: User, create_user: Callable[[], User],
                                                            telegram):
    draft = editing.save_post(1, editing.PostInput(text='Watched', channels=channels_of(['telegram'])),
                              editing.SaveAction.DRAFT)
    watcher = create_user()
    await open_signed_in(watcher, *ADMIN)
    await watcher.open(f'/history/{draft.id}')
    await watcher.should_see('Telegram')
    editing.save_post(1, editing.PostInput(text='Watched', channels=channels_of(['telegram'])),
                      editing.SaveAction.PUBLISH,
                    post_id=draft.id)
    await get_engine().publish_post(draft.id)
    # the same page, not a reload: its deliveries section may be redrawn, so the badge is looked up each time
    await eventually(lambda: [b.text for b in watcher.find(marker='status-telegram').elements] == ['Published'])


async def test_failed_delivery_shows_why_and_retry_publishes_it(signed_in: User, telegram):
    telegram.inject(Fault.chat_not_found())
    saved = editing.save_post(1, editing.PostInput(text='Try me', channels=channels_of(['telegram'])),
                              editing.SaveAction.PUBLISH)
    await get_engine().publish_post(saved.id)
    await signed_in.open(f'/history/{saved.id}')
    await signed_in.should_see('Bad Request: chat not found')
    signed_in.find(marker='retry-telegram').click()
    await eventually(lambda: len(telegram.sent) == 1)
    await get_engine().wait_idle()
    await signed_in.open(f'/history/{saved.id}')
    await signed_in.should_see('View the post', retries=40)  # the link comes with the next live redraw


async def test_channels_page_adds_a_telegram_bot_after_testing_it(signed_in: User, telegram):
    await signed_in.open('/channels')
    await signed_in.should_see(str(DEFAULT_CHAT_ID))  # the account from the environment
    signed_in.find(marker='bot-token').type('111:wrong-token')
    signed_in.find(marker='chat-id').type('@fakechannel')
    signed_in.find(marker='save-telegram').click()
    await signed_in.should_see('Telegram did not accept these credentials. Check them and try again.', retries=40)
    signed_in.find(marker='bot-token').clear().type(DEFAULT_TOKEN)
    signed_in.find(marker='save-telegram').click()
    await signed_in.should_see('Telegram is connected.', retries=40, kind=ui.notification)
    await signed_in.should_see('Fake Channel', retries=40)  # the chat as Telegram names it
