"""media facts: what the probe reads from a file (codecs, frame rate, bit rate, transparency) for each platform's rules

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('video_codec', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('audio_codec', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('frame_rate', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('bit_rate', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('has_alpha', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.drop_column('has_alpha')
        batch_op.drop_column('bit_rate')
        batch_op.drop_column('frame_rate')
        batch_op.drop_column('audio_codec')
        batch_op.drop_column('video_codec')
