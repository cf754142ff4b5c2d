"""`motcua` command: Django's management commands under one name.

motcua migrate | motcua demo | motcua serve | motcua audit verify | motcua outbox deliver
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["motcua", *args])


if __name__ == "__main__":
    main()
