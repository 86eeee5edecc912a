"""Database triggers that refuse UPDATE and DELETE on the audit table (SQLite and PostgreSQL).

Installed by migration 0002. Whoever can drop a trigger can still edit rows; the hash chain
(``cancuoc audit verify``) catches that. TRUNCATE is not trapped (Django flushes test databases with
it); the production database role is not granted TRUNCATE (docs/adr/0003-audit-log.md).
"""

SQLITE_INSTALL = [
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
]
POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry;",
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS audit_entry_append_only();",
]


def _run(connection, statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection) -> None:
    _run(connection, POSTGRES_INSTALL if connection.vendor == "postgresql" else SQLITE_INSTALL)


def remove(connection) -> None:
    _run(connection, POSTGRES_REMOVE if connection.vendor == "postgresql" else SQLITE_REMOVE)
