from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.models import Agency, Officer
from motcua.core.problems import DomainError
from motcua.signing import ca, services, signers
from motcua.signing.selectors import signature_status


class Command(BaseCommand):
    help = (
        "Signing keys. `signing demo-ca` creates the demo root CA (once) and issues a personal "
        "certificate to every leader and a seal to every agency that has none; `signing "
        "register --p12 FILE (--user NAME | --agency IDENTIFIER)` ties a PKCS#12 file from a "
        "real CA (path relative to the signing key folder) to an officer or an agency; "
        "`signing status --attachment ID` verifies a stored file."
    )

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=["demo-ca", "register", "status"])
        parser.add_argument("--p12", default="", help="register: PKCS#12 file")
        parser.add_argument("--user", default="", help="register: the officer's login")
        parser.add_argument("--agency", default="", help="register: the agency's identifier")
        parser.add_argument(
            "--passphrase-env",
            default="",
            help="register: environment variable holding this file's passphrase "
            "(default MOTCUA_SIGNING_PASSPHRASE)",
        )
        parser.add_argument("--attachment", type=int, default=0, help="status: attachment id")

    def handle(self, *args, **options):
        try:
            if options["subcommand"] == "demo-ca":
                return self._demo_ca()
            if options["subcommand"] == "status":
                return self._status(options["attachment"])
            return self._register(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _demo_ca(self) -> None:
        ca.demo_root()
        people = agencies = 0
        leaders = User.objects.filter(officer__role=Officer.Role.LEADER).order_by("pk")
        for user in leaders:
            if signers.personal_credential(user) is None:
                services.issue_demo_credential(user=user)
                people += 1
        for agency in Agency.objects.filter(is_active=True).order_by("pk"):
            if signers.seal_credential(agency) is None:
                services.issue_demo_credential(agency=agency)
                agencies += 1
        self.stdout.write(
            f"demo CA {ca.demo_root_path()}: {people} personal certificates, "
            f"{agencies} agency seals issued"
        )

    def _register(self, options) -> None:
        if not options["p12"] or bool(options["user"]) == bool(options["agency"]):
            raise CommandError("register needs --p12 and one of --user, --agency")
        user = agency = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']}")
        else:
            agency = Agency.objects.filter(identifier=options["agency"]).first()
            if agency is None:
                raise CommandError(f"no agency {options['agency']}")
        credential = services.register_credential(
            p12_file=options["p12"],
            user=user,
            agency=agency,
            passphrase_env=options["passphrase_env"],
        )
        self.stdout.write(f"registered {credential}")

    def _status(self, attachment_id: int) -> None:
        from motcua.dossiers.models import Attachment

        attachment = Attachment.objects.filter(pk=attachment_id).first()
        if attachment is None:
            raise CommandError(f"no attachment {attachment_id}")
        status = signature_status(attachment)
        self.stdout.write(status.label + (f" ({status.problem})" if status.problem else ""))
