"""The ``cancuoc`` console command: management commands under short names.

cancuoc units load | cancuoc demo --province 01 --citizens 100000 --seed 1 | cancuoc import FILE --user U
cancuoc export --user U --out F | cancuoc audit verify | cancuoc serve | cancuoc worker | cancuoc <django command>
"""

from __future__ import annotations

import os
import sys

# `cancuoc worker` is a command of its own (imports/management/commands/worker.py): db_worker + housekeeping
ALIASES = {"import": "import_citizens", "export": "export_citizens"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    # every file a command creates (database, uploads, keys, cache) is owner-only; see protection.files
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cancuoc.settings")
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cancuoc", *argv[1:]])


if __name__ == "__main__":
    main()
