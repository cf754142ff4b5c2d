from django.core.management.base import BaseCommand, CommandError

from motcua.core import audit


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` recomputes the hash chain and reports tampering."

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=["verify"])

    def handle(self, *args, **options):
        result = audit.verify()
        if not result.ok:
            raise CommandError(
                f"audit chain BROKEN at entry {result.broken_at}: {result.reason} "
                f"({result.checked} entries verified before it)"
            )
        self.stdout.write(f"audit chain OK: {result.checked} entries verified")
