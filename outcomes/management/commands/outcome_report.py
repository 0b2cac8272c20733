"""python manage.py outcome_report NAME [--pathway P] [--cohort LABEL] [--from DATE]
[--to DATE] [--as-of DATE] [--format json|csv|table] [--by DIMENSION]

The outcome reports of `../shared/spec/outcome-reports.md` and the further measures, computed
by the same code as the dashboards. Nothing is suppressed here: this is the analyst's view.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outcomes.reports import REPORTS, ReportError, ReportParameters, compute


class Command(BaseCommand):
    help = "Compute an outcome report and print it as JSON, CSV or a table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help=f"One of: {', '.join(REPORTS)}.")
        parser.add_argument("--pathway", help="Keep interventions of this pathway (its code).")
        parser.add_argument("--cohort", help="Keep families with this cohort label.")
        parser.add_argument("--from", dest="date_from", help="First date in range, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", help="Last date in range, YYYY-MM-DD.")
        parser.add_argument("--as-of", dest="as_of", help="Nothing dated after it is seen.")
        parser.add_argument("--format", default="json", help="json (default), csv or table.")
        parser.add_argument("--by", help="Also break the report down by this dimension.")

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["format"]
        if output not in ("json", "csv", "table"):
            raise CommandError(f"Unknown format {output!r}: use json, csv or table.")
        try:
            params = ReportParameters.parse(
                as_of=options["as_of"],
                pathway=options["pathway"],
                cohort=options["cohort"],
                date_from=options["date_from"],
                date_to=options["date_to"],
            )
            result = compute(options["name"], params, by=options["by"])
        except ReportError as error:
            raise CommandError(str(error)) from None
        if output == "json":
            self.stdout.write(json.dumps(result, indent=2))
        elif output == "csv":
            from outcomes.exports import to_csv

            self.stdout.write(to_csv(result, suppress_below=None), ending="")
        else:
            self.stdout.write(_as_text(result))


def _as_text(result: dict[str, Any]) -> str:
    """Each table of the report as aligned plain-text columns."""
    from outcomes.tables import tables_for

    blocks = [f"{REPORTS[result['report']].title}, as of {result['as_of']}"]
    for table in tables_for(result, suppress_below=None):
        rows = [table.columns, *[[cell.display for cell in row] for row in table.rows]]
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(table.columns))]
        lines = [
            "  ".join(
                str(value).ljust(width) for value, width in zip(row, widths, strict=True)
            ).rstrip()
            for row in rows
        ]
        blocks.append("\n".join([table.title, *lines]))
    return "\n\n".join(blocks) + "\n"
