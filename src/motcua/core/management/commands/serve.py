import os
import shutil
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from motcua.core.deploy import secret_key_problem


class Command(BaseCommand):
    help = "Serve the app with gunicorn (production-style): collects static files first."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("MOTCUA_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("MOTCUA_WEB_WORKERS", 2))
        )
        # Threads per worker (gthread): keep-alive connections, and another request runs
        # while one waits for the database. 1: gunicorn's sync workers.
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("MOTCUA_WEB_THREADS", 4))
        )

    def handle(self, *args, **options):
        # Refuse before anything is served (or collected): a published key signs sessions.
        problem = secret_key_problem()
        if problem is not None:
            raise CommandError(problem)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
        if gunicorn is None:
            raise CommandError("gunicorn is not installed in this environment")
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            gunicorn,
            "motcua.wsgi",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
        ]
        if options["threads"] > 1:
            argv += ["--worker-class", "gthread", "--threads", str(options["threads"])]
        os.execv(gunicorn, argv)  # noqa: S606 - replaces this process with gunicorn
