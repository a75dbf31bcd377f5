"""Job queue: procrastinate's schema (jobs, events, periodic defers, workers).

The SQL is the schema shipped by the procrastinate release setup.py pins; a later release brings its own
migrations, applied by a later revision. Downgrade drops every procrastinate object.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 08:30:00.000000
"""

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DROP_PROCRASTINATE = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE routine regprocedure;
BEGIN
    FOR routine IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
                   WHERE p.proname LIKE 'procrastinate\\_%' AND p.pronamespace = 'public'::regnamespace LOOP
        EXECUTE 'DROP FUNCTION ' || routine || ' CASCADE';
    END LOOP;
END $$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, procrastinate_job_status CASCADE;
"""


def upgrade():
    op.get_bind().exec_driver_sql(SchemaManager.get_schema(), execution_options={"no_parameters": True})


def downgrade():
    op.get_bind().exec_driver_sql(DROP_PROCRASTINATE, execution_options={"no_parameters": True})
