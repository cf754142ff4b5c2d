"""Database-level guard that makes the audit table append-only.

Used by the migration, and by operators (and the test suite's teardown) for the one
legitimate bulk removal: wiping a whole database. Turning the guard off is itself visible:
entries removed afterwards break `motcua audit verify`.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

_SQLITE_ON = [
    "CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS core_auditentry_no_delete BEFORE DELETE ON core_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
_SQLITE_OFF = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete;",
]
_PG_CREATE = [
    """CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry;",
    "CREATE TRIGGER core_auditentry_no_change BEFORE UPDATE OR DELETE ON core_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();",
    "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;",
    "CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION core_audit_append_only();",
]
_PG_DROP = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;",
    "DROP FUNCTION IF EXISTS core_audit_append_only();",
]


def install(connection: BaseDatabaseWrapper) -> None:
    statements = _PG_CREATE if connection.vendor == "postgresql" else _SQLITE_ON
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def remove(connection: BaseDatabaseWrapper) -> None:
    statements = _PG_DROP if connection.vendor == "postgresql" else _SQLITE_OFF
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def suspend(connection: BaseDatabaseWrapper) -> None:
    """Let a whole-database wipe through (flush); `resume` puts the guard back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        else:
            for sql in _SQLITE_OFF:
                cursor.execute(sql)


def resume(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")
        else:
            for sql in _SQLITE_ON:
                cursor.execute(sql)
