from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.core import anchors


class Command(BaseCommand):
    help = (
        "Audit log tools. `audit verify` recomputes the hash chain and checks it against the "
        "signed anchors; `audit anchor` signs and exports the chain's head now; "
        "`audit schedule` registers the periodic anchoring with the worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=["verify", "anchor", "schedule"])
        parser.add_argument(
            "--anchors",
            action="append",
            default=[],
            metavar="PATH",
            help="verify: also check the anchors in this file or folder (a copy kept "
            "elsewhere); may be repeated",
        )
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            metavar="PATH",
            help="verify: trust only this public key (PEM) instead of the local one; may be "
            "repeated (after a key change)",
        )

    def handle(self, *args, **options):
        try:
            if options["subcommand"] == "anchor":
                return self._anchor()
            if options["subcommand"] == "schedule":
                return self._schedule()
            return self._verify(options["anchors"], options["public_key"])
        except (anchors.AnchorKeyError, OSError) as exc:
            raise CommandError(str(exc)) from exc

    def _anchor(self):
        record = anchors.anchor()
        self.stdout.write(
            f"anchored entry {record['last_id']} ({record['count']} entries, "
            f"hash {record['hash']}) in {record['file']}"
        )

    def _schedule(self):
        minutes = anchors.schedule()
        if minutes:
            self.stdout.write(f"audit anchor scheduled every {minutes} minutes")
        else:
            self.stdout.write("audit anchor schedule removed (MOTCUA_AUDIT_ANCHOR_MINUTES=0)")

    def _verify(self, extra, key_paths):
        keys = [anchors.load_public_key(p) for p in key_paths] if key_paths else None
        result = anchors.verify([Path(p) for p in extra], keys)
        chain = result.chain
        for problem in result.problems:
            self.stderr.write(f"ANCHOR MISMATCH {problem}")
        newest = (
            f"newest anchor {result.newest.at.isoformat()}" if result.newest else "no anchors found"
        )
        summary = f"{result.checked} anchors checked, {newest}"
        if not chain.ok:
            raise CommandError(
                f"audit chain BROKEN at entry {chain.broken_at}: {chain.reason} "
                f"({chain.checked} entries verified before it); {summary}"
            )
        if result.problems:
            raise CommandError(
                f"audit chain does NOT match its anchors: {len(result.problems)} problem(s) "
                f"above ({chain.checked} entries recomputed); {summary}"
            )
        self.stdout.write(f"audit chain OK: {chain.checked} entries verified; {summary}")
