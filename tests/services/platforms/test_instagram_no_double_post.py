"""Nothing is posted twice on Instagram: when media_publish's answer is lost, the container's status decides."""
from __future__ import annotations

import asyncio

import pytest

from services.platforms import base
from services.platforms.base import PostContent, Rejected, Retryable
from services.platforms.instagram.client import STATUS_CHECKS
from tests.fakes.instagram import FakeInstagram, Fault
from tests.services.platforms.test_instagram_client import account, calls_to, client, photo


@pytest.fixture
def fake():
    with FakeInstagram(polls_to_finish=0) as server:  # one status poll before publishing
        yield server


@pytest.fixture(autouse=True)
async def fresh_http_client():
    yield
    await base.close_http_client()


def status_checks(fake: FakeInstagram) -> list:
    """The container status asked after media_publish (the polls before it ask for `status` too)."""
    return [call for call in fake.calls if call.method == 'GET' and call.params.get('fields') == 'status_code']


@pytest.mark.parametrize('fault', [Fault.dropped_after(), Fault.server_error_after(502)],
                         ids=['connection dropped after publishing', '502 after publishing'])
async def test_post_that_went_up_although_its_answer_was_lost_counts_as_published_once(fake, tmp_path, fault):
    fake.inject(fault, on='publish')

    result = await client(fake).publish(PostContent('Sunset', (photo(fake, tmp_path),)), account())

    [published] = fake.published
    assert (result.remote_id, result.remote_url) == (published.id, published.permalink)
    assert [call.fault for call in calls_to(fake, '/media_publish')] == [fault.name]
    assert len(status_checks(fake)) == 1
    [listing] = [call for call in calls_to(fake, '/media') if call.method == 'GET']
    assert listing.params['fields'] == 'id,caption,permalink,timestamp'


async def test_the_newest_post_with_the_caption_is_the_one_found(fake, tmp_path):
    await client(fake).publish(PostContent('Same words', (photo(fake, tmp_path, 'a.jpg'),)), account())
    await client(fake).publish(PostContent('Other words', (photo(fake, tmp_path, 'b.jpg'),)), account())
    fake.inject(Fault.dropped_after(), on='publish')

    result = await client(fake).publish(PostContent('Same words', (photo(fake, tmp_path, 'c.jpg'),)), account())

    assert len(fake.published) == 3
    assert (result.remote_id, result.remote_url) == (fake.published[-1].id, fake.published[-1].permalink)


async def test_post_that_went_up_but_cannot_be_found_is_still_a_success(fake, tmp_path):
    fake.inject(Fault.dropped_after(), on='publish')
    fake.inject(Fault.server_error(503), on='media_list')

    result = await client(fake).publish(PostContent('Sunset', (photo(fake, tmp_path),)), account())

    assert (result.remote_id, result.remote_url) == ('', None)
    assert len(fake.published) == 1


@pytest.mark.parametrize('fault', [Fault.dropped(), Fault.server_error(503), Fault.transient()],
                         ids=['dropped before publishing', '503 page', 'transient code 2'])
async def test_publish_that_did_not_happen_is_retryable_and_the_retry_posts_once(fake, tmp_path, fault):
    image = photo(fake, tmp_path)
    fake.inject(fault, on='publish')

    with pytest.raises(Retryable, match='did not go up'):
        await client(fake).publish(PostContent('Sunset', (image,)), account())

    assert fake.published == []
    assert [call.params['fields'] for call in status_checks(fake)] == ['status_code'] * STATUS_CHECKS
    await client(fake).publish(PostContent('Sunset', (image,)), account())  # what the engine's retry does
    assert len(fake.published) == 1


async def test_refusals_that_are_clear_are_not_second_guessed(fake, tmp_path):
    fake.inject(Fault.throttled(), on='publish')

    with pytest.raises(Retryable) as caught:
        await client(fake).publish(PostContent('Sunset', (photo(fake, tmp_path),)), account())

    assert caught.value.retry_after == 60
    assert status_checks(fake) == [] and fake.published == []


async def test_when_instagram_will_not_say_the_user_is_told_to_check_before_retrying(fake, tmp_path):
    fake.inject(Fault.dropped_after(), on='publish')
    fake.inject(Fault.server_error(503), times=STATUS_CHECKS, on='object', skip=1)  # the poll before publishing

    with pytest.raises(Rejected, match='did not say whether the post went up') as caught:
        await client(fake).publish(PostContent('Sunset', (photo(fake, tmp_path),)), account())

    assert 'Check the profile before pressing Retry' in caught.value.message
    assert len(fake.published) == 1
    assert len(calls_to(fake, '/media_publish')) == 1
    assert [call.status for call in status_checks(fake)] == [503] * STATUS_CHECKS


async def test_the_engines_retry_publishes_the_container_the_failed_attempt_left(fake, tmp_path):
    publisher, content = client(fake), PostContent('Sunset', (photo(fake, tmp_path),))
    fake.inject(Fault.dropped(), on='publish')
    with pytest.raises(Retryable, match='did not go up'):
        await publisher.publish(content, account())

    result = await publisher.publish(content, account())  # the engine keeps the client for every attempt

    [published] = fake.published
    assert result.remote_id == published.id
    assert len(fake.containers) == 1  # no second container: it could have gone up as a second post


async def test_a_retry_finds_the_post_that_went_up_after_the_failed_attempt_looked(fake, tmp_path):
    publisher, content = client(fake), PostContent('Sunset', (photo(fake, tmp_path),))
    fake.inject(Fault.dropped(), on='publish')
    with pytest.raises(Retryable, match='did not go up'):
        await publisher.publish(content, account())
    [container] = fake.containers
    fake.finish_publishing(container)  # Instagram published it after all, after saying FINISHED three times

    result = await publisher.publish(content, account())

    [published] = fake.published
    assert (result.remote_id, result.remote_url) == (published.id, published.permalink)
    assert len(calls_to(fake, '/media_publish')) == 1  # the dropped one: the retry asked and did not publish


async def run_that_crashes_during_publish(fake: FakeInstagram, image) -> dict:
    """A run that dies while its media_publish is on the way; returns what it saved with the delivery."""
    saved: dict = {}
    fake.inject(Fault.slow(30), on='publish')
    run = asyncio.create_task(client(fake).publish(PostContent('Sunset', (image,), checkpoint=saved.update), account()))
    while 'container' not in saved and not run.done():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # the request reaches Instagram
    run.cancel()
    return saved


async def test_after_a_crash_during_publish_the_next_run_finds_the_post_instead_of_posting_again(fake, tmp_path):
    image = photo(fake, tmp_path)
    saved = await run_that_crashes_during_publish(fake, image)
    [container] = fake.containers
    assert saved['container'] == container  # saved with the delivery before media_publish was sent
    fake.finish_publishing(container)  # Instagram got it after all

    result = await client(fake).publish(PostContent('Sunset', (image,), resume=saved), account())

    [published] = fake.published
    assert result.remote_id == published.id and len(fake.containers) == 1


async def test_after_a_crash_before_it_went_up_the_next_run_publishes_the_same_container(fake, tmp_path):
    image = photo(fake, tmp_path)
    saved = await run_that_crashes_during_publish(fake, image)

    await client(fake).publish(PostContent('Sunset', (image,), resume=saved), account())

    assert len(fake.published) == 1 and len(fake.containers) == 1
