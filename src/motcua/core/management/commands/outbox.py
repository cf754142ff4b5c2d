import time

from django.core.management.base import BaseCommand

from motcua.core import outbox
from motcua.core.models import OutboxMessage


class Command(BaseCommand):
    help = "Deliver outbox messages: `outbox deliver` (once) or `outbox deliver --loop`."

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=["deliver", "status"])
        parser.add_argument("--loop", action="store_true", help="keep delivering every second")

    def handle(self, *args, **options):
        if options["subcommand"] == "status":
            for status in OutboxMessage.Status.values:
                count = OutboxMessage.objects.filter(status=status).count()
                self.stdout.write(f"{status}: {count}")
            return
        while True:
            delivered = outbox.deliver_pending()
            self.stdout.write(f"delivered {delivered}")
            if not options["loop"]:
                break
            time.sleep(1)
