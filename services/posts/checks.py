"""The rules a post must meet before it is scheduled or published: what every post needs, then each chosen platform's
own rules (in its package's spec), for each channel with what that channel gets. Each problem names the channel and
the limit; messages are msgids translated
where they are shown.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.core.i18n import N_
from services.platforms import registry
from services.platforms.spec import MediaFacts, Problem, utf16_length

__all__ = ['MediaFacts', 'Problem', 'Target', 'check_post', 'check_schedule', 'utf16_length']

SCHEDULE_HORIZON = timedelta(days=365)


@dataclass(frozen=True)
class Target:
    """One channel a post goes to, with what it gets there (its version, or the post's own)."""
    platform: str
    name: str  # as messages name it (the platform and the channel)
    text: str
    media: Sequence[MediaFacts]
    options: Mapping[str, Any]
    channel: int | None = None


def check_post(targets: Sequence[Target], *, empty: bool = False) -> list[Problem]:
    """Everything that stops this post from going to each of `targets`; empty when it may go (a platform no longer
    registered has no rules here: it has no connected channel either). Each problem names its channel. `empty`:
    the post itself has neither text nor media (said when no channel is chosen yet)."""
    problems: list[Problem] = []
    if not targets:
        problems.append(Problem(N_('Choose at least one channel.')))
    empty_targets = [target for target in targets if not target.text.strip() and not target.media]
    if (empty and not targets) or (targets and len(empty_targets) == len(targets)):
        problems.append(Problem(N_('Write some text or add a photo or video.')))
    else:
        problems.extend(Problem(N_('%(platform)s gets neither text nor a photo or video. Write its version or reset '
                                   'it to the main post.'), {'platform': target.name}, target.platform,
                                target.channel) for target in empty_targets)
    for target in targets:
        spec = registry.find(target.platform)
        for rule in spec.rules if spec else ():
            found = rule.check(target.text, target.media, target.options)
            if found is not None:
                problems.append(Problem(found.message, {**found.params, 'platform': target.name}, target.platform,
                                        target.channel))
    return problems


def check_schedule(when: datetime, now: datetime) -> Problem | None:
    """A schedule time must be in the future and within a year."""
    if when <= now:
        return Problem(N_('The chosen time has already passed. Pick a time in the future.'))
    if when > now + SCHEDULE_HORIZON:
        return Problem(N_('Posts can be scheduled at most one year ahead.'))
    return None
