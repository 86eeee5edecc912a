"""Database triggers that refuse UPDATE and DELETE on the audit log and its checkpoints (SQLite and
PostgreSQL).

Installed by migrations 0002 and 0004. They stop the application and its bugs; someone who can drop a
trigger can still edit rows, which the MACs and the signed checkpoints catch (``cancuoc audit verify``).
TRUNCATE is not trapped (Django flushes test databases with it); in production the application's role holds
no UPDATE, DELETE or TRUNCATE right on these tables at all (scripts/db-roles.sql, docs/database-roles.md).
"""

TABLES = ("audit_auditentry", "audit_auditcheckpoint")


def _sqlite_install(table):
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    ]


SQLITE_INSTALL = [statement for table in TABLES for statement in _sqlite_install(table)]
SQLITE_REMOVE = [
    # the names of migration 0002, then today's
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
    *[f"DROP TRIGGER IF EXISTS {table}_no_{kind};" for table in TABLES for kind in ("update", "delete")],
]
POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry;",
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_change ON audit_auditcheckpoint;",
    "CREATE TRIGGER audit_checkpoint_no_change BEFORE UPDATE OR DELETE ON audit_auditcheckpoint "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry;",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_change ON audit_auditcheckpoint;",
    "DROP FUNCTION IF EXISTS audit_entry_append_only();",
]


def _run(connection, statements):
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for statement in statements:
            # before migration 0004 the checkpoint table does not exist yet
            if "audit_auditcheckpoint" in statement and "audit_auditcheckpoint" not in existing:
                continue
            cursor.execute(statement)


def install(connection) -> None:
    _run(connection, POSTGRES_INSTALL if connection.vendor == "postgresql" else SQLITE_INSTALL)


def remove(connection) -> None:
    _run(connection, POSTGRES_REMOVE if connection.vendor == "postgresql" else SQLITE_REMOVE)
