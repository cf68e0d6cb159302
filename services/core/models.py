"""Database tables. Times are stored as UTC and always come back timezone-aware."""
from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC (the same on SQLite and PostgreSQL) and hands back aware UTC datetimes."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError('naive datetime given to a UTC column')
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _time(*, index: bool = False, nullable: bool = False, default: bool = True) -> datetime:
    return Field(
        default_factory=utcnow if default else None,
        sa_type=UTCDateTime,
        index=index,
        nullable=nullable,
    )


class Role(StrEnum):
    ADMIN = 'admin'
    EDITOR = 'editor'
    CONTRIBUTOR = 'contributor'  # drafts and submits posts for review; publishes nothing
    VIEWER = 'viewer'


class PostStatus(StrEnum):
    DRAFT = 'draft'
    IN_REVIEW = 'in_review'  # submitted: waits for an editor's approval (services/posts/review.py)
    REJECTED = 'rejected'
    SCHEDULED = 'scheduled'
    PUBLISHING = 'publishing'
    PUBLISHED = 'published'
    PARTLY_PUBLISHED = 'partly_published'
    FAILED = 'failed'
    MISSED = 'missed'
    CANCELLED = 'cancelled'


class DeliveryStatus(StrEnum):
    PENDING = 'pending'
    PUBLISHING = 'publishing'
    PUBLISHED = 'published'
    FAILED = 'failed'
    INTERRUPTED = 'interrupted'
    CANCELLED = 'cancelled'


class AccountStatus(StrEnum):
    CONNECTED = 'connected'
    NEEDS_RECONNECT = 'needs_reconnect'
    DISCONNECTED = 'disconnected'


class User(SQLModel, table=True):
    __tablename__ = 'users'
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=100)
    role: str = Field(default=Role.EDITOR, max_length=16)
    language: str = Field(default='en', max_length=8)
    timezone: str = Field(default='UTC', max_length=64)
    is_active: bool = Field(default=True)
    # Bumped when a password changes or the user is deactivated: older tokens stop working.
    session_version: int = Field(default=1)
    # Set for a temporary password an admin gave out: the user must choose their own at the next sign-in.
    must_change_password: bool = Field(default=False)
    email: str = Field(default='', max_length=254)  # where notifications are emailed ('' = none)
    # What the user hears of each notification kind: {kind: 'in_app' | 'email' | 'digest' | 'never'}; a kind not in
    # it takes the default of services/notifications/kinds.py
    notify_choices: dict = Field(default_factory=dict, sa_type=sa.JSON)
    digest_time: str = Field(default='08:00', max_length=5)  # HH:MM in the user's time zone
    created_at: datetime = _time()


class Post(SQLModel, table=True):
    __tablename__ = 'posts'
    # The scheduler scans by status and time; pages filter by either.
    __table_args__ = (sa.Index('ix_posts_status_scheduled_at', 'status', 'scheduled_at'),
                      sa.Index('ix_posts_created_at', 'created_at'))  # the dashboard's last-30-days counts
    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key='users.id', index=True, ondelete='RESTRICT')
    text: str = Field(default='', sa_type=sa.Text)
    # Per-platform choices by platform name, e.g. {"<platform>": {"title": "...", "privacy": "public"}}
    options: dict = Field(default_factory=dict, sa_type=sa.JSON)
    status: str = Field(default=PostStatus.DRAFT, max_length=20, index=True)
    scheduled_at: datetime | None = _time(index=True, nullable=True, default=False)
    # The channel whose posting queue holds it ("Add to queue": one post per channel, at that channel's slot)
    queue_channel_id: int | None = Field(default=None, foreign_key='channels.id', index=True, ondelete='SET NULL')
    # A recurring post: its RFC 5545 rule (DTSTART as wall-clock time in `recurrence_zone`, then RRULE), and the
    # first occurrence of its series; each occurrence is its own post (services/posts/recurrence.py)
    recurrence: str | None = Field(default=None, sa_type=sa.Text)
    recurrence_zone: str = Field(default='', max_length=64)
    series_id: int | None = Field(default=None, foreign_key='posts.id', index=True, ondelete='SET NULL')
    # Review: bumped at each submit; an approval holds for the round it approved, so an edit (a new round) voids it
    review_round: int = Field(default=0)
    approved_round: int | None = None
    created_at: datetime = _time()
    updated_at: datetime = _time()


class MediaAsset(SQLModel, table=True):
    __tablename__ = 'media_assets'
    id: int | None = Field(default=None, primary_key=True)
    stored_path: str = Field(max_length=255, unique=True)
    original_name: str = Field(max_length=255)
    mime_type: str = Field(max_length=64)
    size_bytes: int
    sha256: str = Field(max_length=64, unique=True, index=True)
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    # what the probe read from the file (None: not known, e.g. stored before the probe read it)
    video_codec: str | None = Field(default=None, max_length=32)
    audio_codec: str | None = Field(default=None, max_length=32)
    frame_rate: float | None = None
    bit_rate: int | None = Field(default=None, sa_type=sa.BigInteger)  # bits per second
    has_alpha: bool | None = None  # images: some pixel is see-through
    # a copy converted for one platform: what that platform's channels get instead of `variant_of`
    variant_of: int | None = Field(default=None, foreign_key='media_assets.id', ondelete='CASCADE', index=True)
    variant_for: str | None = Field(default=None, max_length=20)
    uploaded_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = _time()


class ConversionStatus(StrEnum):
    RUNNING = 'running'
    DONE = 'done'
    FAILED = 'failed'
    CANCELLED = 'cancelled'
    INTERRUPTED = 'interrupted'  # the app stopped during it; it can be started again


class Framing(StrEnum):
    """How a video whose aspect its platform refuses is brought to the nearest one it takes."""
    FIT = 'fit'  # the whole picture, with bars
    CROP = 'crop'  # the middle of the picture, filling the frame


class MediaConversion(SQLModel, table=True):
    """Converting one file for one platform: its progress (0-1), kept here so that a page shows it after a reload."""

    __tablename__ = 'media_conversions'
    __table_args__ = (sa.UniqueConstraint('media_id', 'platform'),)
    id: int | None = Field(default=None, primary_key=True)
    media_id: int = Field(foreign_key='media_assets.id', ondelete='CASCADE', index=True)
    platform: str = Field(max_length=20)
    status: str = Field(default=ConversionStatus.RUNNING, max_length=20)
    progress: float = 0.0
    error: str = Field(default='', max_length=500)
    variant_id: int | None = Field(default=None, foreign_key='media_assets.id', ondelete='SET NULL')
    started_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    # 'host:pid' of the process converting it (the app's own while it waits its turn); `updated_at` is its heartbeat
    worker: str | None = Field(default=None, max_length=80)
    framing: str = Field(default='', max_length=8)  # '' keeps the aspect; Framing.FIT pads it, Framing.CROP crops
    updated_at: datetime = _time()


class PostMedia(SQLModel, table=True):
    """Which media a post carries, in order; one stored file may serve several posts."""

    __tablename__ = 'post_media'
    post_id: int = Field(foreign_key='posts.id', primary_key=True, ondelete='CASCADE')
    media_id: int = Field(foreign_key='media_assets.id', primary_key=True, ondelete='RESTRICT')
    position: int = Field(default=0)


class PlatformAccount(SQLModel, table=True):
    __tablename__ = 'platform_accounts'
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20, index=True)
    display_name: str = Field(default='', max_length=200)
    credentials_encrypted: str = Field(default='', sa_type=sa.Text)
    token_expires_at: datetime | None = _time(nullable=True, default=False)
    status: str = Field(default=AccountStatus.CONNECTED, max_length=20, index=True)
    created_at: datetime = _time()
    updated_at: datetime = _time()
    # The last renewal the platform refused (None once one succeeds): a token expiring before a post is due is
    # then a risk (services/notifications/risks.py).
    renew_failed_at: datetime | None = _time(nullable=True, default=False)
    # The platform's daily publishing quota as last read (PlatformSpec.publishing_quota): posts in the 24 hours
    # before `quota_read_at`, of how many.
    quota_used: int | None = None
    quota_total: int | None = None
    quota_read_at: datetime | None = _time(nullable=True, default=False)


class Channel(SQLModel, table=True):
    """One destination a post can go to: a chat, a professional account, a channel. It posts with the credentials of
    its `account_id` (several channels may share them: one bot, many chats), plus its own `address` (credentials
    only this channel uses, e.g. the chat id), and is never deleted: a disconnected channel keeps its history."""

    __tablename__ = 'channels'
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20, index=True)
    account_id: int | None = Field(default=None, foreign_key='platform_accounts.id', index=True,
                                   ondelete='SET NULL')
    name: str = Field(default='', max_length=200)  # as the team calls it
    remote_id: str = Field(default='', max_length=200)  # the platform's id of it
    remote_name: str = Field(default='', max_length=200)  # as the platform calls it
    picture_url: str = Field(default='', max_length=500)
    address: dict = Field(default_factory=dict, sa_type=sa.JSON)
    status: str = Field(default=AccountStatus.CONNECTED, max_length=20, index=True)
    connected_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    # Its posting queue: an IANA zone ('' = the team's), the times posts go out in it
    # ([{"time": "09:00", "days": [0, 1, 2, 3, 4]}], 0 = Monday), and whether its queued posts wait.
    time_zone: str = Field(default='', max_length=64)
    posting_times: list = Field(default_factory=list, sa_type=sa.JSON)
    queue_paused: bool = Field(default=False)
    needs_approval: bool = Field(default=False)  # every post to it, editors' too, goes through review
    created_at: datetime = _time()
    updated_at: datetime = _time()


class ChannelGroup(SQLModel, table=True):
    """A saved set of channels the team picks or filters by in one go ("Arabic channels", "Client A")."""

    __tablename__ = 'channel_groups'
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    created_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = _time()
    updated_at: datetime = _time()


class ChannelGroupMember(SQLModel, table=True):
    __tablename__ = 'channel_group_members'
    group_id: int = Field(foreign_key='channel_groups.id', primary_key=True, ondelete='CASCADE')
    channel_id: int = Field(foreign_key='channels.id', primary_key=True, index=True, ondelete='CASCADE')


class Delivery(SQLModel, table=True):
    """One post on one channel, with the channel's own version of it: `text`, `media_ids` (a choice and order of
    the post's media) and `options`, each None where the channel takes the post's own."""

    __tablename__ = 'deliveries'
    __table_args__ = (sa.UniqueConstraint('post_id', 'channel_id', name='uq_deliveries_post_channel'),
                      # a channel's waiting posts (its queue's taken slots) without reading every pending delivery
                      sa.Index('ix_deliveries_channel_status', 'channel_id', 'status'))
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key='posts.id', index=True, ondelete='CASCADE')
    platform: str = Field(max_length=20, index=True)
    channel_id: int = Field(foreign_key='channels.id', index=True, ondelete='RESTRICT')
    text: str | None = Field(default=None, sa_type=sa.Text)
    media_ids: list | None = Field(default=None, sa_type=sa.JSON)
    options: dict | None = Field(default=None, sa_type=sa.JSON)
    status: str = Field(default=DeliveryStatus.PENDING, max_length=20, index=True)
    attempt_count: int = Field(default=0)
    remote_id: str | None = Field(default=None, max_length=200)
    remote_url: str | None = Field(default=None, max_length=500)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    # JSON a platform client left to pick up an attempt a crash cut off (Instagram: the container it was publishing)
    resume_state: str | None = Field(default=None, sa_type=sa.Text)
    # While publishing: the process sending it, which renews `lease_until`; past it, that process is gone
    owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _time(index=True, nullable=True, default=False)
    created_at: datetime = _time()
    updated_at: datetime = _time()
    published_at: datetime | None = _time(nullable=True, default=False)


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = 'delivery_attempts'
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key='deliveries.id', index=True, ondelete='CASCADE')
    started_at: datetime = _time()
    finished_at: datetime | None = _time(nullable=True, default=False)
    outcome: str = Field(max_length=20)
    error_detail: str | None = Field(default=None, sa_type=sa.Text)
    remote_id: str | None = Field(default=None, max_length=200)
    remote_url: str | None = Field(default=None, max_length=500)


class AuditEvent(SQLModel, table=True):
    __tablename__ = 'audit_events'
    __table_args__ = (
        sa.Index('ix_audit_events_action_target_created', 'action', 'target', 'created_at'),
        sa.Index('ix_audit_events_action_ip_created', 'action', 'ip', 'created_at'),
        sa.Index('ix_audit_events_action_id', 'action', 'id'),  # the audit page: one action, newest first
    )
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _time(index=True)
    actor_id: int | None = Field(default=None, foreign_key='users.id', index=True, ondelete='SET NULL')
    action: str = Field(max_length=40)
    target: str = Field(default='', max_length=200)
    ip: str = Field(default='', max_length=64)
    detail: str = Field(default='', sa_type=sa.Text)


class PostComment(SQLModel, table=True):
    """One message of a post's discussion; a review's request for changes or rejection carries its reason here."""

    __tablename__ = 'post_comments'
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key='posts.id', index=True, ondelete='CASCADE')
    author_id: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    text: str = Field(sa_type=sa.Text)
    kind: str = Field(default='comment', max_length=20)  # 'comment', 'changes_requested' or 'rejected'
    created_at: datetime = _time()


class OAuthState(SQLModel, table=True):
    """A Connect begun and not yet come back from the platform (kept across restarts, used once)."""

    __tablename__ = 'oauth_states'
    state_hash: str = Field(primary_key=True, max_length=64)  # sha256 of the state: the state itself is not kept
    platform: str = Field(max_length=20)
    user_id: int = Field(foreign_key='users.id', ondelete='CASCADE')
    secrets_encrypted: str = Field(sa_type=sa.Text)  # client id and secret, PKCE verifier (Fernet)
    redirect_uri: str = Field(max_length=500)
    account_id: int | None = Field(default=None)  # the account a Reconnect updates
    expires_at: datetime = _time(index=True)


class Notification(SQLModel, table=True):
    """One thing one user is told of (a delivery failed, a channel needs reconnecting...), in the bell until read."""

    __tablename__ = 'notifications'
    __table_args__ = (sa.Index('ix_notifications_user_read', 'user_id', 'read_at'),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key='users.id', ondelete='CASCADE')
    kind: str = Field(max_length=32)
    post_id: int | None = Field(default=None, foreign_key='posts.id', index=True, ondelete='CASCADE')
    channel_id: int | None = Field(default=None, foreign_key='channels.id', ondelete='SET NULL')
    detail: str = Field(default='', sa_type=sa.Text)  # the platform's error, as it gave it
    # Told once per key (a token's expiry date): a second warning of the same thing is not written
    key: str = Field(default='', max_length=200)
    in_digest: bool = Field(default=False)  # waits for the user's daily digest email
    read_at: datetime | None = _time(nullable=True, default=False)
    created_at: datetime = _time(index=True)


class OutboxMessage(SQLModel, table=True):
    """An email or a webhook call, written in the transaction of the change it tells of and sent from here: claimed
    under a lease like a delivery (a crash neither loses nor doubles it), retried later while the server is away."""

    __tablename__ = 'outbox'
    __table_args__ = (sa.Index('ix_outbox_sent_next_try', 'sent_at', 'next_try_at'),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # 'email' or 'webhook'
    user_id: int | None = Field(default=None, foreign_key='users.id', index=True, ondelete='CASCADE')  # an email's
    webhook_id: int | None = Field(default=None, foreign_key='webhooks.id', index=True, ondelete='CASCADE')
    payload: dict = Field(default_factory=dict, sa_type=sa.JSON)
    attempts: int = Field(default=0)
    next_try_at: datetime = _time()
    owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _time(nullable=True, default=False)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = _time()
    sent_at: datetime | None = _time(nullable=True, default=False)
    # Not tried again: the receiver answered with a redirect (never followed) or kept refusing; "Send again" can
    given_up_at: datetime | None = _time(nullable=True, default=False)


class Webhook(SQLModel, table=True):
    """An address an administrator entered that gets the events it asked for, as JSON signed with its secret."""

    __tablename__ = 'webhooks'
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=500)
    events: list = Field(default_factory=list, sa_type=sa.JSON)
    secret_encrypted: str = Field(sa_type=sa.Text)  # Fernet, as platform credentials
    created_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = _time()


class WebhookAttempt(SQLModel, table=True):
    """One try at one webhook call (an outbox row) and the receiver's answer."""

    __tablename__ = 'webhook_attempts'
    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key='outbox.id', index=True, ondelete='CASCADE')
    webhook_id: int = Field(foreign_key='webhooks.id', index=True, ondelete='CASCADE')
    started_at: datetime = _time()
    status_code: int | None = None
    answer: str = Field(default='', sa_type=sa.Text)  # the start of the receiver's body, or why there was none
    ok: bool = Field(default=False)
