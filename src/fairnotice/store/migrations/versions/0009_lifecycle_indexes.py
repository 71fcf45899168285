"""indexes the lifecycle reads by: a candidate's interviews, a position's candidates by
state, an interview's offers by state

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

Filling a position claims its remaining candidates (position, status) and reads their
interviews (candidate_id); every transition closes the interview's open offers
(interview_id, state). Without these, PostgreSQL compared every candidate with every
interview of a 50,000-candidate workspace once its statistics were stale.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_interviews_candidate_id", "interviews", ["candidate_id"])
    op.create_index("ix_candidates_position_id_status", "candidates", ["position_id", "status"])
    op.create_index("ix_offers_interview_id_state", "offers", ["interview_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_offers_interview_id_state", table_name="offers")
    op.drop_index("ix_candidates_position_id_status", table_name="candidates")
    op.drop_index("ix_interviews_candidate_id", table_name="interviews")
