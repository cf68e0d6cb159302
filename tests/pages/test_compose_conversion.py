"""The composer offers to convert a file a chosen platform refuses, shows the conversion's progress (also after a
reload), lets it be cancelled, and checks the post again once the copy is there."""
from __future__ import annotations

from nicegui.testing import User

from services.core import db, i18n
from services.core.models import ConversionStatus, MediaConversion
from services.media import library, variants
from tests.conftest import ADMIN, open_signed_in
from tests.harness import draft, drop_files
from tests.harness.builders import listed
from tests.media_samples import make_image, make_video

ASPECT = 'Instagram · @instagram-team takes videos from 4:5 (tall) to 16:9 (wide); tall.mp4 is 240×720.'
FRAME_RATE = '{channel} takes videos of 23 to 60 frames per second; slow-motion.mp4 has 120.'


async def test_a_clip_instagram_refuses_is_converted_from_the_composer_and_the_problem_goes(user: User, admin,
                                                                                            tmp_path):
    listed('instagram')
    post_id = draft('Fast', platforms=('instagram',))
    await open_signed_in(user, *ADMIN, f'/compose?post={post_id}')
    await drop_files(user, make_video(tmp_path, 'mp4', size=(360, 640), frames=480, fps=120,
                                      name='slow-motion.mp4'))
    await user.should_see(FRAME_RATE.format(channel='Instagram · @instagram-team'), retries=40)
    await user.should_see('Instagram does not take slow-motion.mp4 as it is; a converted copy would fit.', retries=40)

    user.find('Convert for Instagram').click()

    await user.should_see('slow-motion.mp4 is converted for Instagram: its channels there get the copy, the others '
                          'the original.', retries=300)
    await user.should_not_see(FRAME_RATE.format(channel='Instagram · @instagram-team'), retries=20)


async def test_a_conversion_under_way_shows_its_progress_after_a_reload_and_can_be_cancelled_in_arabic(
        user: User, admin, tmp_path):
    from services.team import users

    users.set_language(admin.id, 'ar')
    listed('instagram')
    clip = make_video(tmp_path, 'mp4', size=(360, 640), frames=480, fps=120, name='slow-motion.mp4')

    async def chunks():
        yield clip.read_bytes()

    asset = await library.store_upload(chunks(), clip.name, uploaded_by=admin.id)
    post_id = draft('Fast', platforms=('instagram',), media_ids=[asset.id])
    with db.session() as session:  # another tab started it a while ago (its worker is elsewhere)
        session.add(MediaConversion(media_id=asset.id, platform='instagram', status=ConversionStatus.RUNNING,
                                    progress=0.4))
    await open_signed_in(user, *ADMIN, f'/compose?post={post_id}')

    marker = f'{asset.id}-instagram'
    await user.should_see(marker=f'conversion-progress-{marker}', retries=40)
    assert user.find(marker=f'conversion-progress-{marker}').elements.pop().value == 0.4
    await user.should_see(i18n.translate('ar', 'Converting %(file)s for %(platform)s…', file='slow-motion.mp4',
                                         platform='Instagram'))

    user.find(marker=f'cancel-conversion-{marker}').click()

    await user.should_see(marker=f'convert-{marker}', retries=40)
    with db.session() as session:
        assert session.get(MediaConversion, 1).status == ConversionStatus.CANCELLED


async def test_a_tall_clip_in_an_instagram_carousel_is_cropped_when_the_user_chooses_crop(user: User, admin, tmp_path):
    listed('instagram')
    tall, photo = make_video(tmp_path, 'mp4', size=(240, 720), frames=72, fps=24, name='tall.mp4'), \
        make_image(tmp_path, 'jpg', size=(400, 400), name='square.jpg')
    ids = []
    for path in (tall, photo):
        async def chunks(path=path):
            yield path.read_bytes()
        ids.append((await library.store_upload(chunks(), path.name, uploaded_by=admin.id)).id)
    post_id = draft('Carousel', platforms=('instagram',), media_ids=ids)
    await open_signed_in(user, *ADMIN, f'/compose?post={post_id}')
    await user.should_see(ASPECT, retries=40)
    await user.should_see('Its shape does not fit Instagram: show all of it with bars at the edges, or crop it to fill '
                          'the frame.')

    user.find(marker=f'convert-crop-{ids[0]}-instagram').click()

    await user.should_see('tall.mp4 is converted for Instagram: its channels there get the copy, the others the '
                          'original.', retries=300)
    await user.should_not_see(ASPECT, retries=20)
    [copy] = variants.variants_of(ids[0])
    assert (copy.width, copy.height) == (240, 300)
