"""Pages are built of headings a screen reader can list: the page's title is its one h1, each section's title an h2
(h3 inside a section), in the order they are shown."""
from __future__ import annotations

from nicegui.testing import User

from tests.conftest import ADMIN, open_signed_in


def headings(user: User) -> list[str]:
    return [f'{element.tag} {element.text}' for element in user.client.layout.descendants()
            if element.tag in ('h1', 'h2', 'h3')]


async def test_the_composer_settings_and_home_title_their_sections_with_headings(user: User, admin):
    await open_signed_in(user, *ADMIN, path='/compose')
    assert headings(user) == ['h1 Write a post', 'h2 Where it goes', 'h2 When']
    await user.open('/settings')
    assert headings(user) == ['h1 Settings', 'h2 Language and time zone', 'h2 Notifications', 'h2 Webhooks',
                              'h2 Change password']
    await user.open('/channels')
    assert headings(user)[:3] == ['h1 Channels', 'h2 Connect an account', 'h3 Add a Telegram bot']
