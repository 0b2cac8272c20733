"""python manage.py import_cases PATH [--dry-run] [--as USERNAME]: import a case bundle, all
or nothing.

The command line is the server operator's tool: without --as the audit rows name
`import_cases`. With --as they name that member of staff, who must hold the case import
permission.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from caseimport.importer import FILES, BundleError, import_bundle, read_bundle


class Command(BaseCommand):
    help = (
        "Import a case bundle (a folder or .zip of families.csv, people.csv and optionally "
        "status_episodes.csv and interventions.csv). One problem means nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A folder or .zip file holding the bundle's CSV files.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the bundle and report what would change, writing nothing.",
        )
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="Import as this member of staff, who must hold the case import permission.",
        )

    def handle(
        self, *args: Any, path: str, dry_run: bool, username: str | None, **options: Any
    ) -> None:
        acting_user = None
        if username is not None:
            acting_user = User.objects.filter(username=username, is_active=True).first()
            if acting_user is None or not acting_user.may_import_cases:
                raise CommandError(
                    f"{username} is not an active member of staff with the case import permission."
                )
        try:
            bundle = read_bundle(path)
        except BundleError as error:
            raise CommandError(str(error)) from error
        result = import_bundle(bundle, acting_user=acting_user, dry_run=dry_run)
        if not result.ok:
            for line in result.errors:
                self.stderr.write(line)
            if result.hidden_error_count:
                self.stderr.write(f"... and {result.hidden_error_count} more problems not shown.")
            raise CommandError(
                f"Nothing was imported: {result.error_count} "
                f"problem{'s' if result.error_count != 1 else ''} in {path}."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was written. Importing now would give:")
        for name in FILES:
            self.stdout.write(f"{name}: {result.counts[name]}")
        for label, names in [
            ("New localities", result.new_localities),
            ("New teams", result.new_teams),
        ]:
            if names:
                self.stdout.write(f"{label}: {', '.join(names)}")
        if not dry_run:
            self.stdout.write(self.style.SUCCESS("Import complete."))
