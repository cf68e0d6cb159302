"""A delivery's status change is said aloud: the page's polite live region (read by screen readers without taking
them away from where they are) takes the new status in words, as the badge changes in place."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from nicegui.testing import User

from services.connections import channels as channel_book
from services.posts import editing
from services.publishing.engine import get_engine
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.harness.builders import channels_of

pytestmark = pytest.mark.both_databases


async def test_a_delivery_that_gets_published_is_announced_in_the_live_region(telegram, user: User, admin,
                                                                             create_user: Callable[[], User]):
    # `telegram` first: it sets the environment the app reads when `user` starts it
    await open_signed_in(user, *ADMIN)
    draft = editing.save_post(1, editing.PostInput(text='Heard, not seen', channels=channels_of(['telegram'])),
                              editing.SaveAction.DRAFT)
    listener = create_user()
    await open_signed_in(listener, *ADMIN)
    await listener.open(f'/history/{draft.id}')
    await listener.should_see('Telegram')
    region = listener.find(marker='live-region').elements.pop()
    assert region.props['aria-live'] == 'polite'
    assert region.text == ''  # nothing said before anything changes
    editing.save_post(1, editing.PostInput(text='Heard, not seen', channels=channels_of(['telegram'])),
                      editing.SaveAction.PUBLISH, post_id=draft.id)
    await get_engine().publish_post(draft.id)
    channel = channel_book.full_title(channel_book.get_channel(channels_of(['telegram'])[0]))
    await eventually(lambda: region.text == f'{channel} · Published')  # the channel it went to, by name
