"""media facts: what the probe reads from a file (codecs, frame rate, bit rate, transparency) for each platform's rules;
copies converted for a platform, and the conversions under way

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('video_codec', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('audio_codec', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('frame_rate', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('bit_rate', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('has_alpha', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('variant_of', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('variant_for', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_media_assets_variant_of'), ['variant_of'], unique=False)
        batch_op.create_foreign_key('fk_media_assets_variant_of', 'media_assets', ['variant_of'], ['id'],
                                    ondelete='CASCADE')
    op.create_table(
        'media_conversions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('media_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('variant_id', sa.Integer(), nullable=True),
        sa.Column('started_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['media_id'], ['media_assets.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['variant_id'], ['media_assets.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['started_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('media_id', 'platform'),
    )
    with op.batch_alter_table('media_conversions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_conversions_media_id'), ['media_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('media_conversions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_conversions_media_id'))
    op.drop_table('media_conversions')
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.drop_constraint('fk_media_assets_variant_of', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_media_assets_variant_of'))
        batch_op.drop_column('variant_for')
        batch_op.drop_column('variant_of')
        batch_op.drop_column('has_alpha')
        batch_op.drop_column('bit_rate')
        batch_op.drop_column('frame_rate')
        batch_op.drop_column('audio_codec')
        batch_op.drop_column('video_codec')
