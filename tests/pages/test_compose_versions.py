"""A version of the post for each channel, in the composer: a tab per chosen channel, its own text, media and
options, its own checks and preview; reset to the main post; kept when the post is opened again or duplicated."""
from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from services.connections import accounts, channels
from services.core import db
from services.core.models import Post, PostStatus
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.posts.versions import Version
from services.publishing.engine import get_engine
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.fakes import instagram
from tests.fakes.telegram import DEFAULT_TOKEN, FakeChat, FakeTelegram
from tests.harness import deliveries_of, media_rows

ARABIC_CHAT, ENGLISH_CHAT = -1001000000001, -1001000000002
ARABIC = 'مرحبا بكم في نشرتنا الأسبوعية'
ENGLISH = 'Welcome to our weekly newsletter'


@pytest.fixture
def two_chats(monkeypatch):
    """A fake Telegram whose bot posts into two chats, the app pointed at it (no chat from the environment)."""
    with FakeTelegram(chats=[FakeChat(id=ARABIC_CHAT, title='الأخبار', username='akhbar'),
                             FakeChat(id=ENGLISH_CHAT, title='The News', username='the_news')]) as fake:
        monkeypatch.setenv('TELEGRAM_API_URL', fake.base_url)
        monkeypatch.setenv('TELEGRAM_PACING_SECONDS', '0')
        yield fake


def telegram_chat(name: str, chat_id: int) -> int:
    """Connect the fake bot's chat `chat_id` as `name`; returns the channel's id."""
    account = accounts.save_account('telegram', name, {'bot_token': DEFAULT_TOKEN, 'chat_id': str(chat_id)})
    return next(c.id for c in channels.list_channels(platform='telegram')
                if c.account_id == account.id and c.address.get('chat_id') == str(chat_id))


def instagram_account(name: str, user_id: str) -> int:
    accounts.save_account('instagram', name, {'access_token': instagram.DEFAULT_TOKEN + user_id, 'user_id': user_id})
    return next(c.id for c in channels.list_channels(platform='instagram') if c.remote_name == name)


def texts(user: User, marker: str) -> list[str]:
    return [element.text for element in user.find(marker=marker).elements]


async def customise(user: User, channel_id: int, text: str) -> None:
    """Open the channel's tab, customise it and write its own text."""
    user.find(marker=f'tab-channel-{channel_id}').click()
    await user.should_see(marker=f'customise-{channel_id}')
    user.find(marker=f'customise-{channel_id}').click()
    await user.should_see(marker=f'version-text-{channel_id}')
    user.find(marker=f'version-text-{channel_id}').clear().type(text)


async def test_two_chats_of_one_bot_each_receive_their_own_version_exactly_once(two_chats, user: User, admin):
    arabic, english = telegram_chat('Arabic news', ARABIC_CHAT), telegram_chat('English news', ENGLISH_CHAT)
    assert len({c.account_id for c in channels.list_channels(platform='telegram')}) == 1  # one bot, two chats
    await open_signed_in(user, *ADMIN, '/compose')
    user.find(marker=f'channel-{arabic}').click()
    user.find(marker=f'channel-{english}').click()
    user.find(marker='post-text').type('The main text')
    await user.should_see(marker=f'tab-channel-{english}')

    await customise(user, arabic, ARABIC)
    await customise(user, english, ENGLISH)
    await user.should_see(marker=f'preview-channel-{english}')
    user.find(marker='tab-main').click()
    await user.should_see(marker=f'preview-channel-{arabic}')  # the main tab previews every channel
    await user.should_see(marker=f'tab-own-{arabic}')
    assert ARABIC in _preview_text(user, arabic)
    assert ENGLISH in _preview_text(user, english)
    user.find(marker='publish-now').click()

    await user.should_see(marker='post-status', retries=40)
    await get_engine().wait_idle()
    assert sorted((m.chat_id, m.text) for m in two_chats.sent) == sorted([(ARABIC_CHAT, ARABIC),
                                                                         (ENGLISH_CHAT, ENGLISH)])


def _preview_text(user: User, channel_id: int) -> str:
    card = user.find(marker=f'preview-channel-{channel_id}').elements.pop()
    return ' '.join(label.text for label in card.descendants() if isinstance(label, ui.label))


async def test_a_channel_without_its_own_version_shows_the_main_text_and_says_so(two_chats, user: User, admin):
    arabic = telegram_chat('Arabic news', ARABIC_CHAT)
    await open_signed_in(user, *ADMIN, '/compose')
    user.find(marker=f'channel-{arabic}').click()
    user.find(marker='post-text').type('Said once for all')
    await user.should_see(marker=f'tab-channel-{arabic}')
    user.find(marker=f'tab-channel-{arabic}').click()

    await user.should_see('Uses the main post')
    await user.should_see('Customise for this channel')
    shown = user.find(marker=f'main-text-{arabic}').elements.pop()
    assert [label.text for label in shown.descendants() if isinstance(label, ui.label)] == ['Said once for all']
    assert texts(user, f'count-channel-{arabic}') == ['Telegram 17/4096']
    await user.should_not_see(marker=f'version-text-{arabic}')  # nothing to edit until it is customised
    await user.should_not_see(marker=f'reset-{arabic}')


async def test_a_saved_version_is_shown_again_and_reset_to_the_main_post(two_chats, user: User, admin):
    arabic, english = telegram_chat('Arabic news', ARABIC_CHAT), telegram_chat('English news', ENGLISH_CHAT)
    post = editing.save_post(admin.id, PostInput(text='Main words', channels=[arabic, english],
                                                 versions={arabic: Version(text=ARABIC)}), SaveAction.DRAFT)
    await open_signed_in(user, *ADMIN, f'/compose?post={post.id}')
    await user.should_see(marker=f'tab-own-{arabic}')
    await user.should_not_see(marker=f'tab-own-{english}')
    user.find(marker=f'tab-channel-{arabic}').click()
    await user.should_see(marker=f'version-text-{arabic}')
    assert user.find(marker=f'version-text-{arabic}').elements.pop().value == ARABIC

    user.find(marker=f'reset-{arabic}').click()
    await user.should_see(marker=f'confirm-reset-{arabic}', retries=20)
    user.find(marker=f'confirm-reset-{arabic}').click()
    await user.should_see('Uses the main post', retries=20)
    await user.should_not_see(marker=f'tab-own-{arabic}')
    assert 'Main words' in _preview_text(user, arabic)
    user.find(marker='save-draft').click()

    await eventually(lambda: [d.text for d in deliveries_of(post.id)] == [None, None])


async def test_a_caption_too_long_for_one_instagram_channel_blocks_that_channel_only(user: User, admin):
    brand, personal = instagram_account('@brand', '17841400000000011'), instagram_account('@me', '17841400000000012')
    photo = media_rows(1)
    post = editing.save_post(admin.id, PostInput(text='A short caption', media_ids=photo, channels=[brand, personal]),
                             SaveAction.DRAFT)
    await open_signed_in(user, *ADMIN, f'/compose?post={post.id}')
    await customise(user, brand, 'x' * 2300)

    message = 'Instagram · @brand: a caption may be 2200 characters; this one has 2300.'
    await user.should_see(message)
    assert texts(user, f'count-channel-{brand}') == ['Instagram 2300/2200']
    assert texts(user, f'tab-problems-{brand}') == ['1']
    await user.should_not_see(marker=f'tab-problems-{personal}')
    listed = [label.text for row in user.find(marker='problem').elements for label in row.descendants()
              if isinstance(label, ui.label)]
    assert listed.count(message) == 2  # in the list under the form and in the channel's tab
    assert not any('@me' in text for text in listed)
    user.find(marker=f'tab-channel-{personal}').click()
    await user.should_see('Ready for this channel.')

    user.find(marker='publish-now').click()
    await user.should_see('The post was not saved: fix what is listed above.', kind=ui.notification, retries=20)
    with db.session() as session:
        assert session.get(Post, post.id).status == PostStatus.DRAFT


async def test_a_channel_gets_its_own_choice_and_order_of_the_media(two_chats, user: User, admin):
    arabic, english = telegram_chat('Arabic news', ARABIC_CHAT), telegram_chat('English news', ENGLISH_CHAT)
    first, second, third = media_rows(3)
    post = editing.save_post(admin.id, PostInput(text='Photos', media_ids=[first, second, third],
                                                 channels=[arabic, english]), SaveAction.DRAFT)
    await open_signed_in(user, *ADMIN, f'/compose?post={post.id}')
    await customise(user, arabic, 'صور')
    user.find(marker=f'version-include-{arabic}-{first}').click()  # left out
    await user.should_not_see(marker=f'version-later-{arabic}-{first}')
    user.find(marker=f'version-later-{arabic}-{second}').click()
    await eventually(lambda: not user.find(marker=f'version-later-{arabic}-{second}').elements.pop().enabled)
    user.find(marker='save-draft').click()

    await eventually(lambda: [d.media_ids for d in deliveries_of(post.id)] == [[third, second], None])


async def test_a_channel_sets_its_own_options(user: User, admin, monkeypatch):
    brand = _youtube('Brand', 'refresh-brand')
    personal = _youtube('Personal', 'refresh-personal')
    post = editing.save_post(admin.id, PostInput(text='Watch', channels=[brand, personal],
                                                 options={'youtube': {'title': 'Main title'}}), SaveAction.DRAFT)
    await open_signed_in(user, *ADMIN, f'/compose?post={post.id}')
    await customise(user, brand, 'Watch this')
    user.find(marker=f'version-{brand}-youtube-title').clear().type('Brand title')
    user.find(marker='save-draft').click()

    await eventually(lambda: [(d.text, d.options) for d in deliveries_of(post.id)] == [
        ('Watch this', {'title': 'Brand title'}), (None, None)])


def _youtube(name: str, refresh_token: str) -> int:
    accounts.save_account('youtube', name, {'client_id': 'id', 'client_secret': 'secret',
                                            'refresh_token': refresh_token})
    return next(c.id for c in channels.list_channels(platform='youtube') if c.remote_name == name)


async def test_duplicating_a_published_post_keeps_each_channels_version(two_chats, user: User, admin):
    arabic, english = telegram_chat('Arabic news', ARABIC_CHAT), telegram_chat('English news', ENGLISH_CHAT)
    post = editing.save_post(admin.id, PostInput(text='Main', channels=[arabic, english],
                                                 versions={arabic: Version(text=ARABIC),
                                                           english: Version(text=ENGLISH)}), SaveAction.DRAFT)
    with db.session() as session:
        session.get(Post, post.id).status = PostStatus.PUBLISHED
    await open_signed_in(user, *ADMIN, f'/compose?post={post.id}')
    user.find(marker=f'tab-channel-{arabic}').click()
    await user.should_see(marker=f'version-text-{arabic}')
    assert user.find(marker=f'version-text-{arabic}').elements.pop().value == ARABIC
    await user.should_not_see(marker=f'reset-{arabic}')
    user.find(marker='duplicate-post').click()

    await user.should_see('A new draft was made from this post.', retries=40, kind=ui.notification)
    with db.session() as session:
        copy = session.exec(select(Post).where(Post.id != post.id)).one()
    assert [d.text for d in deliveries_of(copy.id)] == [ARABIC, ENGLISH]
