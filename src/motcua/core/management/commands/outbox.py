import logging
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection

from motcua.core import outbox
from motcua.core.models import OutboxMessage

log = logging.getLogger(__name__)
BATCH = 100


class Command(BaseCommand):
    help = "Deliver outbox messages: `outbox deliver` (once) or `outbox deliver --loop`."

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=["deliver", "status"])
        parser.add_argument("--loop", action="store_true", help="keep delivering until stopped")

    def handle(self, *args, **options):
        if options["subcommand"] == "status":
            for status in OutboxMessage.Status.values:
                count = OutboxMessage.objects.filter(status=status).count()
                self.stdout.write(f"{status}: {count}")
            return
        if not options["loop"]:
            self.stdout.write(f"delivered {outbox.deliver_pending(BATCH)}")
            return
        while True:
            try:
                delivered = outbox.deliver_pending(BATCH)
            except DatabaseError as exc:
                # The database restarted or failed over: drop the dead connection and
                # try again shortly; the messages wait in the table meanwhile.
                log.warning("outbox worker: database unavailable (%s), retrying", exc)
                connection.close()
                time.sleep(1)
                continue
            if delivered:
                self.stdout.write(f"delivered {delivered}")
            # A full batch means more is waiting: go on at once; otherwise rest a second.
            if delivered < BATCH:
                time.sleep(1)
