"""One post with a video fanned out to all four platforms at once, through the engine, against the four fakes.

PUBLIC_BASE_URL points at a server running the app's own media routes, so the fake Instagram pulls the video over
HTTP by its signed URL, as Meta does.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlmodel import select

from services.connections import accounts
from services.core import db
from services.core.models import Delivery, DeliveryAttempt, DeliveryStatus, PostStatus
from services.media import library
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import engine
from services.web import media_routes
from tests.fakes import BackgroundServer
from tests.fakes import instagram as fake_instagram
from tests.fakes import telegram as fake_telegram
from tests.fakes import tiktok as fake_tiktok
from tests.fakes import youtube as fake_youtube
from tests.harness import FAKE_ACCOUNTS, boot, connected, first_admin, stop_services
from tests.harness.builders import channels_of
from tests.media_samples import make_clip_for_every_platform

PLATFORMS = ['telegram', 'instagram', 'youtube', 'tiktok']


# The second account of each platform: another chat of the same bot, another Instagram user, YouTube channel and
# TikTok creator, each with its own credentials.
SECOND_CHAT = fake_telegram.FakeChat(id=-1002000000002, title='Second Channel', username='secondchannel')
SECOND_IG = fake_instagram.FakeIgUser(token='IGAAFakeSecondUsersToken', user_id='17841400000000002',
                                      username='second_creator', name='Second Creator')
SECOND_YT = fake_youtube.FakeChannel(id='UCsecondChannel0000000002', title='Second Channel',
                                     refresh_token='1//second-refresh-token')
SECOND_TT = fake_tiktok.FakeCreator(open_id='second-open-id', username='second.creator', nickname='Second Creator',
                                    access_token='act.second-access-token', refresh_token='rft.second-refresh-token')


class FourFakes:
    """The four fakes and a media server, started and stopped together; `environ` points the app at them. Each fake
    also knows a second account (SECOND_*), connected by `connect_accounts(both=True)`."""

    def __init__(self, *, tiktok_rate_limits: dict[str, int] | None = None, latency: float = 0.0) -> None:
        self.telegram = fake_telegram.FakeTelegram(chats=[fake_telegram.FakeChat(), SECOND_CHAT], latency=latency)
        self.instagram = fake_instagram.FakeInstagram([fake_instagram.FakeIgUser(), SECOND_IG], polls_to_finish=0,
                                                      latency=latency)
        self.youtube = fake_youtube.FakeYouTube([fake_youtube.FakeChannel(), SECOND_YT], latency=latency)
        self.tiktok = fake_tiktok.FakeTikTok([fake_tiktok.FakeCreator(), SECOND_TT], processing_polls=0,
                                             rate_limits=tiktok_rate_limits, latency=latency)
        media_app = FastAPI()
        media_app.include_router(media_routes.router)
        self.media_server = BackgroundServer(media_app)
        self._servers = [self.telegram, self.instagram, self.youtube, self.tiktok]

    def __enter__(self) -> FourFakes:
        self.media_server.start()
        for server in self._servers:
            server.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for server in self._servers:
            server.__exit__(*exc_info)
        self.media_server.stop()

    def environ(self) -> dict[str, str]:
        return {'PUBLIC_BASE_URL': self.media_server.base_url,
                'TELEGRAM_API_URL': self.telegram.base_url, 'INSTAGRAM_API_URL': self.instagram.base_url,
                'YOUTUBE_API_URL': self.youtube.base_url, 'YOUTUBE_OAUTH_URL': self.youtube.base_url,
                'TIKTOK_API_URL': self.tiktok.base_url, 'RETRY_BASE_SECONDS': '0.01', 'PUBLISH_MAX_ATTEMPTS': '2',
                **{f'{platform.upper()}_PACING_SECONDS': '0' for platform in PLATFORMS}}

    @staticmethod
    def connect_accounts(*, both: bool = False) -> None:
        """The first account of each platform; with `both`, the second too (a channel each)."""
        for platform in PLATFORMS:
            connected(platform)
        if both:
            accounts.save_account('telegram', '@secondchannel', {**FAKE_ACCOUNTS['telegram'][1],
                                                                 'chat_id': str(SECOND_CHAT.id)})
            accounts.save_account('instagram', '@second_creator', {'access_token': SECOND_IG.token,
                                                                   'user_id': SECOND_IG.user_id})
            accounts.save_account('youtube', SECOND_YT.title, {**FAKE_ACCOUNTS['youtube'][1],
                                                               'refresh_token': SECOND_YT.refresh_token})
            accounts.save_account('tiktok', SECOND_TT.nickname, {**FAKE_ACCOUNTS['tiktok'][1],
                                                                 'access_token': SECOND_TT.access_token,
                                                                 'refresh_token': SECOND_TT.refresh_token})


async def store_video(path: Path, author_id: int):
    async def chunks():
        yield path.read_bytes()
    return await library.store_upload(chunks(), path.name, uploaded_by=author_id)


def video_post(author_id: int, media_id: int, platforms: list[str] = PLATFORMS) -> int:
    data = PostInput(text='One clip, four places', media_ids=[media_id], channels=channels_of(platforms),
                     options={'youtube': {'title': 'Fan-out', 'privacy': 'private'},
                              'tiktok': {'privacy': 'SELF_ONLY'}})
    return editing.save_post(author_id, data, SaveAction.PUBLISH).id


@pytest.fixture
async def fanout(monkeypatch):
    with FourFakes() as fakes:
        settings = boot(**fakes.environ())
        author = first_admin('author')
        FourFakes.connect_accounts()
        yield fakes, engine.init_engine(settings), author
        await stop_services()


async def test_one_video_post_reaches_all_four_platforms_once_each_at_the_same_time(fanout, tmp_path):
    fakes, runner, author = fanout
    clip = make_clip_for_every_platform(tmp_path)
    digest, size = hashlib.sha256(clip.read_bytes()).hexdigest(), clip.stat().st_size
    post_id = video_post(author.id, (await store_video(clip, author.id)).id)

    await runner.publish_post(post_id)

    assert [(m.method, m.caption, [f.sha256 for f in m.files]) for m in fakes.telegram.sent] == \
        [('sendVideo', 'One clip, four places', [digest])]
    assert len(fakes.instagram.published) == 1 and fakes.instagram.published[0].media_type == 'REELS'
    assert [(pull.status, pull.size) for pull in fakes.instagram.pulls] == [(200, size)]
    assert '/media/signed/' in fakes.instagram.published[0].media_urls[0]
    assert [(v.sha256, v.snippet['title']) for v in fakes.youtube.videos] == [(digest, 'Fan-out')]
    assert [(u.sha256, u.complete, u.title) for u in fakes.tiktok.uploads] == \
        [(digest, True, 'One clip, four places')]
    with db.session() as session:
        deliveries = list(session.exec(select(Delivery).where(Delivery.post_id == post_id)))
        attempts = list(session.exec(select(DeliveryAttempt)))
    assert sorted((d.platform, d.status, d.attempt_count) for d in deliveries) == \
        sorted((platform, DeliveryStatus.PUBLISHED, 1) for platform in PLATFORMS)
    assert editing.get_post(post_id).post.status == PostStatus.PUBLISHED
    # at once: every delivery had started before the first one finished
    assert max(a.started_at for a in attempts) < min(a.finished_at for a in attempts)
