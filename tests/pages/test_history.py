"""The Posts list: newest first, paging, search and filters."""
from __future__ import annotations

from nicegui.testing import User

from services.posts import editing
from services.posts.editing import PostFilter
from tests.conftest import ADMIN, open_signed_in
from tests.harness import draft


def write(count: int, text: str = 'Post number') -> None:
    for n in range(1, count + 1):
        draft(f'{text} {n}')


async def open_history(user: User, query: str = '') -> None:
    await open_signed_in(user, *ADMIN)
    await user.open('/history' + query)


async def test_newest_first_with_an_older_page(user: User, admin):
    write(30)
    await open_history(user)
    await user.should_see('Post number 30')
    await user.should_see('Post number 6')
    await user.should_not_see('Post number 5')
    user.find(marker='older').click()
    await user.should_see('Post number 5', retries=20)
    await user.should_not_see('Post number 6')


async def test_search_finds_text_and_treats_wildcards_literally(user: User, admin):
    write(3)
    write(1, text='Summer sale 100%')
    await open_history(user, '?q=100%25')
    await user.should_see('Summer sale 100% 1')
    await user.should_not_see('Post number 1')
    assert [d.post.text for d in editing.list_posts(PostFilter(search='%'))] == ['Summer sale 100% 1']


async def test_status_filter(user: User, admin):
    write(2)
    draft('Going out', platforms=())
    await open_history(user, '?status=scheduled')
    await user.should_see('No posts match.')
