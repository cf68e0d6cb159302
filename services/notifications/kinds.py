"""What the app tells people of, how each user may choose to hear of it, and the words it uses."""
from __future__ import annotations

from enum import StrEnum

from services.core.i18n import N_
from services.core.models import Role, User


class Kind(StrEnum):
    DELIVERY_FAILED = 'delivery_failed'
    POST_INTERRUPTED = 'post_interrupted'
    POST_MISSED = 'post_missed'
    CHANNEL_NEEDS_RECONNECT = 'channel_needs_reconnect'
    TOKEN_EXPIRING = 'token_expiring'
    POST_AT_RISK = 'post_at_risk'
    POST_AWAITS_REVIEW = 'post_awaits_review'
    CHANGES_REQUESTED = 'changes_requested'
    POST_APPROVED = 'post_approved'
    POST_REJECTED = 'post_rejected'
    MENTIONED = 'mentioned'


class Choice(StrEnum):
    IN_APP = 'in_app'    # the bell only
    EMAIL = 'email'      # the bell, and an email at once
    DIGEST = 'digest'    # the bell, and the daily digest email
    NEVER = 'never'


# In the order Settings lists them.
KIND_LABELS: dict[str, str] = {
    Kind.DELIVERY_FAILED: N_('A post could not be published'),
    Kind.POST_INTERRUPTED: N_('A post was interrupted while being sent'),
    Kind.POST_MISSED: N_('A post missed its time'),
    Kind.CHANNEL_NEEDS_RECONNECT: N_('A channel needs reconnecting'),
    Kind.TOKEN_EXPIRING: N_('A channel\'s sign-in will expire'),
    Kind.POST_AT_RISK: N_('A scheduled post would fail'),
    Kind.POST_AWAITS_REVIEW: N_('A post awaits review'),
    Kind.CHANGES_REQUESTED: N_('Changes were requested to my post'),
    Kind.POST_APPROVED: N_('My post was approved'),
    Kind.POST_REJECTED: N_('My post was rejected'),
    Kind.MENTIONED: N_('Someone mentioned me on a post'),
}
CHOICE_LABELS: dict[str, str] = {
    Choice.IN_APP: N_('In the app'),
    Choice.EMAIL: N_('In the app and by email at once'),
    Choice.DIGEST: N_('In the app and in a daily email'),
    Choice.NEVER: N_('Never'),
}
# What a notification says; %(channel)s is the channel's full title, %(post)s the start of the post's text.
MESSAGES: dict[str, str] = {
    Kind.DELIVERY_FAILED: N_('“%(post)s” could not be published to %(channel)s.'),
    Kind.POST_INTERRUPTED: N_('The app stopped while “%(post)s” was being sent to %(channel)s: check whether it '
                              'arrived, then retry or mark it.'),
    Kind.POST_MISSED: N_('“%(post)s” was not published at its time because the app was not running.'),
    Kind.CHANNEL_NEEDS_RECONNECT: N_('%(channel)s needs reconnecting: posts to it will fail until it is.'),
    Kind.TOKEN_EXPIRING: N_('The sign-in of %(channel)s will expire on %(when)s and could not be renewed: reconnect '
                            'it before then.'),
    Kind.POST_AT_RISK: N_('“%(post)s” would fail on %(channel)s: %(reason)s. Fix it before it is due.'),
    Kind.POST_AWAITS_REVIEW: N_('“%(post)s” awaits your review.'),
    Kind.CHANGES_REQUESTED: N_('Changes were requested to “%(post)s”: %(reason)s'),
    Kind.POST_APPROVED: N_('“%(post)s” was approved.'),
    Kind.POST_REJECTED: N_('“%(post)s” was rejected.'),
    Kind.MENTIONED: N_('You were mentioned on “%(post)s”: %(reason)s'),
}
# Told only to the post's author: what became of the post they submitted
AUTHOR_KINDS = frozenset({Kind.CHANGES_REQUESTED, Kind.POST_APPROVED, Kind.POST_REJECTED})
POST_KINDS = frozenset({Kind.DELIVERY_FAILED, Kind.POST_INTERRUPTED, Kind.POST_MISSED, Kind.POST_AT_RISK,
                        *AUTHOR_KINDS})


def choice_of(user: User, kind: str, *, is_author: bool) -> str:
    """How `user` hears of `kind`: their own choice, else the post's author, editors and admins see it in the app
    and viewers are not told. What became of a submitted post concerns its author only, a post awaiting review
    the reviewers (editors and admins) only."""
    if kind in AUTHOR_KINDS and not is_author:
        return Choice.NEVER
    if kind == Kind.POST_AWAITS_REVIEW and (is_author or user.role not in (Role.ADMIN, Role.EDITOR)):
        return Choice.NEVER
    chosen = (user.notify_choices or {}).get(kind)
    if chosen in set(Choice):
        return chosen
    return Choice.IN_APP if is_author or user.role in (Role.ADMIN, Role.EDITOR) else Choice.NEVER
