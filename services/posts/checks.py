"""The rules a post must meet before it is scheduled or published: what every post needs, then each chosen platform's
own rules (in its package's spec). Each problem names the platform and the limit; messages are msgids translated
where they are shown.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from services.core.i18n import N_
from services.platforms import registry
from services.platforms.spec import MediaFacts, Problem, utf16_length

__all__ = ['MediaFacts', 'Problem', 'check_post', 'check_schedule', 'utf16_length']

SCHEDULE_HORIZON = timedelta(days=365)


def check_post(text: str, media: Sequence[MediaFacts], platforms: Sequence[str],
               options: dict[str, dict] | None = None) -> list[Problem]:
    """Everything that stops this post from going to each of `platforms`; empty when it may go (a platform no longer
    registered has no rules here: it has no connected account either)."""
    options = options or {}
    problems: list[Problem] = []
    if not platforms:
        problems.append(Problem(N_('Choose at least one platform.')))
    if not text.strip() and not media:
        problems.append(Problem(N_('Write some text or add a photo or video.')))
    for platform in platforms:
        spec = registry.find(platform)
        for rule in spec.rules if spec else ():
            found = rule.check(text, media, options.get(platform, {}))
            if found is not None:
                problems.append(Problem(found.message, {'platform': spec.label, **found.params}, platform))
    return problems


def check_schedule(when: datetime, now: datetime) -> Problem | None:
    """A schedule time must be in the future and within a year."""
    if when <= now:
        return Problem(N_('The chosen time has already passed. Pick a time in the future.'))
    if when > now + SCHEDULE_HORIZON:
        return Problem(N_('Posts can be scheduled at most one year ahead.'))
    return None
