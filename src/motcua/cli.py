"""`motcua` command: Django's management commands under one name.

motcua migrate | motcua demo | motcua serve | motcua audit verify | motcua outbox deliver

`motcua simulate` (the national-systems simulator) is handled here, before Django starts: it
needs no settings and no database, so it runs beside any Motcua.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["simulate"]:
        from motcua.simulators.__main__ import main as simulate

        simulate(args[1:])
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["motcua", *args])


if __name__ == "__main__":
    main()
