"""The post page says what goes to each platform and why a delivery failed, in words a user can act on; the
composer shows each platform's preview in its own layout and counts as each platform counts."""
from __future__ import annotations

import itertools

import sqlalchemy as sa
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from services.connections import accounts
from services.core import db
from services.core.models import Delivery, DeliveryStatus, MediaAsset, Post, PostStatus
from services.core.models import User as Account
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from tests.conftest import ADMIN, open_signed_in
from tests.harness.builders import channels_of

NUMBERS = itertools.count()  # each stored file has a name of its own
KICKED = 'Forbidden: bot was kicked from the channel chat'


def add_media(*mime_types: str) -> list[int]:
    with db.session() as session:
        assets = [MediaAsset(stored_path=f'{i:032x}.{mime.split("/")[1]}', original_name=f'{i}.{mime.split("/")[1]}',
                             mime_type=mime, size_bytes=1000, sha256=f'{i:064d}', width=1080, height=1080)
                  for i, mime in zip(NUMBERS, mime_types, strict=False)]
        session.add_all(assets)
        session.flush()
        return [asset.id for asset in assets]


def post_with(platforms: list[str], *, media: list[int] = (), options: dict | None = None,
              text: str = 'Spring sale') -> int:
    data = PostInput(text=text, channels=channels_of(platforms), media_ids=list(media), options=options or {})
    return editing.save_post(1, data, SaveAction.DRAFT).id


def failed(post_id: int, error: str) -> None:
    """The post as the engine leaves it when its only delivery failed with the platform's `error`."""
    with db.session() as session:
        session.exec(sa.update(Post).where(Post.id == post_id).values(status=PostStatus.FAILED))
        session.exec(sa.update(Delivery).where(Delivery.post_id == post_id).values(
            status=DeliveryStatus.FAILED, last_error=error))


async def test_a_known_platform_error_reads_as_a_next_step_with_the_raw_words_under_details(user: User, admin):
    post_id = post_with(['telegram'])
    failed(post_id, KICKED)
    await open_signed_in(user, *ADMIN, f'/history/{post_id}')
    with user.scope(marker='error-telegram'):
        await user.should_see('The bot was removed from the channel or group. Add it back as an administrator, '
                              'then retry.')
        await user.should_see('Details')
        details = user.find(marker='error-telegram-details').elements.pop()
        assert not details.value  # folded until asked for
        details.set_value(True)
        await user.should_see(KICKED)


async def test_the_posts_list_explains_a_failed_delivery_too(user: User, admin):
    post_id = post_with(['telegram'])
    failed(post_id, KICKED)
    await open_signed_in(user, *ADMIN, '/history')
    with user.scope(marker=f'list-error-{post_id}-telegram'):
        await user.should_see('The bot was removed from the channel or group')
        await user.should_see(KICKED)


async def test_an_error_no_platform_knows_is_shown_as_it_came(user: User, admin):
    post_id = post_with(['telegram'])
    failed(post_id, 'Bad Request: the moon is in the way')
    await open_signed_in(user, *ADMIN, f'/history/{post_id}')
    await user.should_see('Bad Request: the moon is in the way', marker='error-telegram')
    await user.should_not_see(marker='error-telegram-details')


async def test_the_arabic_post_page_gives_the_sentence_in_arabic(user: User, admin):
    post_id = post_with(['telegram'])
    failed(post_id, KICKED)
    with db.session() as session:
        session.exec(sa.update(Account).where(Account.id == admin.id).values(language='ar'))
    await open_signed_in(user, *ADMIN, f'/history/{post_id}')
    with user.scope(marker='error-telegram'):
        await user.should_see('أُزيل البوت من القناة أو المجموعة. أضفه مجددًا كمشرف، ثم أعد المحاولة.')
        await user.should_see('التفاصيل')


async def test_each_platform_card_says_what_goes_there(user: User, admin):
    photo_post = post_with(['instagram', 'telegram'], media=add_media('image/jpeg'))
    carousel = post_with(['instagram'], media=add_media('image/jpeg', 'image/jpeg'))
    video_post = post_with(['youtube', 'tiktok', 'instagram'], media=add_media('video/mp4'), options={
        'youtube': {'title': 'Our spring collection', 'privacy': 'unlisted'},
        'tiktok': {'privacy': 'SELF_ONLY'}})
    await open_signed_in(user, *ADMIN, f'/history/{video_post}')
    with user.scope(marker='sent-youtube'):
        await user.should_see('Video title')
        await user.should_see('Our spring collection')
        await user.should_see('Unlisted')
    with user.scope(marker='sent-tiktok'):
        await user.should_see('Who can see it')
        await user.should_see('Only me')
    with user.scope(marker='sent-instagram'):
        await user.should_see('Reel')
    await user.open(f'/history/{carousel}')
    await user.should_see('Carousel', marker='sent-instagram')
    await user.open(f'/history/{photo_post}')
    await user.should_see('Feed photo', marker='sent-instagram')
    await user.should_see('Photo', marker='sent-telegram')


async def test_a_sent_post_offers_a_named_duplicate_that_makes_a_new_draft(user: User, admin):
    post_id = post_with(['telegram'], text='Sent already')
    with db.session() as session:
        session.exec(sa.update(Post).where(Post.id == post_id).values(status=PostStatus.PUBLISHED))
    await open_signed_in(user, *ADMIN, f'/history/{post_id}')
    await user.should_see('Duplicate as a new draft')
    user.find(marker='open-post').click()
    await user.should_see('A new draft was made from this post.', retries=20)
    with db.session() as session:
        drafts = session.exec(select(Post.text).where(Post.status == PostStatus.DRAFT)).all()
    assert drafts == ['Sent already']


async def composer_with(user: User, *platforms: str) -> User:
    for platform in platforms:
        accounts.save_account(platform, f'@{platform}-team', {'access_token': f'{platform}-token'})
    await open_signed_in(user, *ADMIN, '/compose')
    for platform in platforms:
        user.find(marker=f'platform-{platform}').elements.pop().set_value(True)
        await user.should_see(marker=f'preview-{platform}', retries=20)
    return user


async def test_the_youtube_counter_says_it_counts_bytes(user: User, admin):
    composer = await composer_with(user, 'youtube', 'instagram')
    composer.find(marker='post-text').type('مرحبا')
    await composer.should_see('YouTube 10/5000 bytes', marker='count-youtube')
    await composer.should_see('Instagram 5/2200', marker='count-instagram')


async def test_each_preview_cuts_the_caption_where_its_platform_does(user: User, admin):
    composer = await composer_with(user, 'telegram', 'instagram')
    caption = 'A long caption about our spring collection. ' * 5
    composer.find(marker='post-text').type(caption)
    await composer.should_see(marker='preview-telegram-text', retries=20)
    with composer.scope(marker='preview-telegram-text'):
        await composer.should_see(caption.strip())
        await composer.should_not_see('more')
    with composer.scope(marker='preview-instagram-text'):
        await composer.should_see(caption[:125].rstrip() + '…')
        await composer.should_see('more')
    assert composer.find(marker='preview-instagram-text').elements.pop().props.get('dir') == 'auto'


async def test_the_youtube_preview_shows_the_title_above_the_description(user: User, admin):
    composer = await composer_with(user, 'youtube')
    composer.find(marker='youtube-title').type('Spring collection')
    composer.find(marker='post-text').type('All about it')
    await composer.should_see('Spring collection', marker='preview-youtube-title', kind=ui.label)
    await composer.should_see('All about it', marker='preview-youtube-text')
