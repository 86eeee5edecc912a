from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_owner_only(sender, connection, **kwargs) -> None:
    """The SQLite database and its WAL files are the whole registry: owner-only, also when they were
    created before ``restrict_new_files`` (by an older version, or by a tool run with a looser umask)."""
    if connection.vendor != "sqlite":
        return
    from .files import make_owner_only

    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        make_owner_only(name + suffix)


class ProtectionConfig(AppConfig):
    name = "cancuoc.protection"
    label = "protection"

    def ready(self) -> None:
        from .files import restrict_new_files

        restrict_new_files()  # also for entry points other than cli.py and wsgi.py (python -m django ...)
        connection_created.connect(_sqlite_owner_only, dispatch_uid="cancuoc-sqlite-owner-only")
