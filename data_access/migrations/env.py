"""Alembic environment: the schema is data_access.schema.metadata; the URL comes from configuration
unless the caller passes a connection. Every run ends by granting the app's PostgreSQL role
(``DASHBOARD_APP_ROLE``) its rights on the tables as they now are."""

from alembic import context

from data_access import config, roles, schema
from data_access.engine import make_engine

target_metadata = schema.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            roles.grant_app_role(connection, config.app_role())
        return
    url = context.config.get_main_option("sqlalchemy.url") or config.database_url()
    engine = make_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            roles.grant_app_role(conn, config.app_role())
    engine.dispose()


run()
