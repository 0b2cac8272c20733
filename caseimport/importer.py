"""Import a case bundle: the CSV export of a council's old system (case import, version 2;
/work/shared/spec/case-import.md is the format's spec).

A bundle is a folder or a .zip (its files at the root or inside one top folder) holding:

- families.csv and people.csv: required;
- status_episodes.csv and interventions.csv: optional; an absent file reads as empty.

Each file is UTF-8 (a byte-order mark is fine), comma-separated, with a header row. Columns
come in any order and unknown columns are ignored; an optional column left out of a file
reads as empty on every row. Dates are `YYYY-MM-DD`; booleans `yes`, `no` or empty (unknown).

people.csv has one row per person and family they belong to: a person on several rows (a
father with children in two households) is one Person with one Membership per family, his
role in each. His rows must agree on who he is (an empty cell agrees with anything), and a
child is a child in every family. An intervention names the family its referral was made in
(`family_ref`), which may be left empty for someone in one family only. A version 1 bundle,
every person on one row and no `family_ref` in interventions.csv, is a version 2 bundle too.

Import is all-or-nothing. Every row of every file is checked first, and only a bundle with
no problem is written, in one transaction. A problem reads `FILE:LINE: column: message`; the
header is line 1, so the first data row is line 2.

Rows are matched on their references (`family_ref`, `person_ref` and, for a membership, the
pair of them, `intervention_ref`), so importing the same bundle twice changes nothing and
leaves no new audit row about a record. people.csv's counts are of people, whichever number
of rows each has; a person counts as updated when their record or a membership changed.
Status episodes have no reference: the bundle's episodes for a child are that child's whole
history and replace what is stored (an identical episode is kept as it is, one whose end date
changed is updated). A child with no row in status_episodes.csv keeps the episodes already
stored. Because a child's stored episodes are replaced as a whole, checking the bundle's
episodes against each other is also the check against the database.

Importing is a migration tool, not a way round the case workflows. It creates records, and
it updates only records that an import created and nobody has changed in DMT since (their
fingerprint in ImportedRecord still matches the row; for a person, also their status
episodes and every membership they have, each of which the import must have written).
Even those it never moves to another team or locality, closes or reopens (closure goes
through the approval workflow), takes out of a family (a membership ends in DMT), or moves
between families, people or pathways. A row that names any other existing record, directly
or as the family or person it belongs to, is a problem. Whatever the reason, the problem
reads the same ("P-12 is already recorded in DMT; change it there, not by import"), so a
preview tells the importer only that the reference is taken, never where, whose, or in what
state.

Only the command line (the server's operator) and staff holding `can_import_cases` import.
Each run, previews and refused bundles included, is an ImportRun with an audit row.

The same functions serve the `import_cases` command and the import page
(caseimport.views).
"""

import csv
import datetime
import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from accounts.audit import audit_record, audit_record_many
from accounts.models import AuditEvent, Locality, SpecialistPathway, Team, User
from dmt.parsing import DATE_MAX, DATE_MIN, parse_date
from families.models import (
    Family,
    ImportedRecord,
    ImportRun,
    LegalStatus,
    Membership,
    Person,
    PersonName,
    StatusEpisode,
)
from referrals.models import Engagement, Pathway, Referral

FAMILIES = "families.csv"
PEOPLE = "people.csv"
EPISODES = "status_episodes.csv"
INTERVENTIONS = "interventions.csv"
FILES = (FAMILIES, PEOPLE, EPISODES, INTERVENTIONS)
REQUIRED_FILES = (FAMILIES, PEOPLE)

MAX_ERRORS_SHOWN = 100
MAX_FILE_BYTES = 256 * 1024 * 1024
AUDIT_USERNAME = "import_cases"
AUDIT_DETAIL = {"source": "import_cases"}
# Problems that belong to a whole file or row rather than one column.
NO_COLUMN = "-"
# The one answer about an existing record the import may not touch, whatever the reason.
ALREADY_RECORDED = "{reference} is already recorded in DMT; change it there, not by import"
# Lookups go in chunks small enough for SQLite's limit on query parameters.
CHUNK = 900
BATCH = 500

ModelT = TypeVar("ModelT", bound=models.Model)
# The records an import writes by reference, each with a version and updated_at.
ImportedT = TypeVar("ImportedT", Family, Person, Referral)
# Everything an import writes and remembers in ImportedRecord: those, and memberships.
Imported = Family | Person | Referral | Membership
# The columns of people.csv that are the person's own, which their rows must agree on.
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "care_experienced",
    "previous_child_removal",
)


class BundleError(Exception):
    """The path or upload is not a bundle at all: missing, not a folder, not a readable zip."""


@dataclass
class Bundle:
    """The raw bytes of the bundle's files that are present, by file name."""

    files: dict[str, bytes]
    source: str = ""


@dataclass
class FileCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Only status episodes are ever deleted: stored ones the bundle no longer lists.
    deleted: int = 0

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return text + (f", {self.deleted} deleted" if self.deleted else "")


@dataclass
class ImportResult:
    dry_run: bool = False
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    counts: dict[str, FileCounts] = field(
        default_factory=lambda: {name: FileCounts() for name in FILES}
    )
    new_localities: list[str] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)
    # The ImportRun recording this run (a preview or a refusal has one too).
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def hidden_error_count(self) -> int:
        """Problems found but not listed, beyond the first MAX_ERRORS_SHOWN."""
        return self.error_count - len(self.errors)


# Reading the bundle -----------------------------------------------------------------------


def read_bundle(source: str | Path | IO[bytes]) -> Bundle:
    """Read the bundle's CSV files from a folder, a .zip path or an open .zip file."""
    if isinstance(source, str | Path):
        path = Path(source)
        if path.is_dir():
            return _read_folder(path)
        if not path.exists():
            raise BundleError(f"{path} does not exist.")
        if not (path.is_file() and zipfile.is_zipfile(path)):
            raise BundleError(f"{path} is not a folder or a .zip file.")
        with path.open("rb") as fileobj:
            return _read_zip(fileobj, str(path))
    return _read_zip(source, str(getattr(source, "name", "") or "the upload"))


def _read_folder(path: Path) -> Bundle:
    files = {}
    for name in FILES:
        file_path = path / name
        if file_path.is_file():
            if file_path.stat().st_size > MAX_FILE_BYTES:
                raise BundleError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
            files[name] = file_path.read_bytes()
    return Bundle(files=files, source=str(path))


def _read_zip(fileobj: IO[bytes], source: str) -> Bundle:
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise BundleError(f"{source} is not a readable .zip file.") from error
    with archive:
        by_folder: dict[str, dict[str, zipfile.ZipInfo]] = defaultdict(dict)
        for info in archive.infolist():
            parts = info.filename.split("/")
            if info.is_dir() or parts[0] == "__MACOSX" or len(parts) > 2 or parts[-1] not in FILES:
                continue
            by_folder[parts[0] if len(parts) == 2 else ""][parts[-1]] = info
        if len(by_folder) > 1:
            raise BundleError(
                "The .zip holds CSV files in more than one folder: put one bundle at its root "
                "or inside one folder."
            )
        files = {}
        for name, info in next(iter(by_folder.values()), {}).items():
            if info.file_size > MAX_FILE_BYTES:
                raise BundleError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
            try:
                files[name] = archive.read(info)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as error:
                raise BundleError(f"{name} cannot be read from the .zip: {error}") from error
    return Bundle(files=files, source=source)


# Cells ------------------------------------------------------------------------------------

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
BOOLEANS = {"yes": True, "no": False, "": None}


def _text(value: str) -> str:
    return value


def _date(value: str) -> datetime.date | None:
    """A date as every form reads one (dmt.parsing): YYYY-MM-DD, from DATE_MIN to DATE_MAX."""
    if not value:
        return None
    if not ISO_DATE.fullmatch(value):
        raise ValueError("not a date (use YYYY-MM-DD)")
    day = parse_date(value)
    if day is None:
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError("not a real date (use YYYY-MM-DD)") from None
        raise ValueError(f"not between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}")
    return day


def _past_date(value: str) -> datetime.date | None:
    """A date that has happened: a date of birth (an unborn child has none yet)."""
    day = _date(value)
    if day is not None and day > timezone.localdate():
        raise ValueError("in the future")
    return day


def _boolean(value: str) -> bool | None:
    if value not in BOOLEANS:
        raise ValueError("not yes, no or empty")
    return BOOLEANS[value]


def _choice(choices: Iterable[str]) -> Callable[[str], str]:
    allowed = list(choices)

    def parse(value: str) -> str:
        if value and value not in allowed:
            raise ValueError(f"not one of {', '.join(allowed)}")
        return value

    return parse


def _max_length(model: type[models.Model], name: str) -> int | None:
    field = model._meta.get_field(name)
    return field.max_length if isinstance(field, models.Field) else None


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any] = _text
    required: bool = False
    max_length: int | None = None


FAMILY_COLUMNS = [
    Column("family_ref", required=True, max_length=_max_length(Family, "reference")),
    Column("locality", required=True, max_length=_max_length(Locality, "name")),
    Column("team", max_length=_max_length(Team, "name")),
    Column("cohort", max_length=_max_length(Family, "cohort")),
    Column("opened_on", _date, required=True),
    Column("closed_on", _date),
    Column("closure_reason"),
]
PERSON_COLUMNS = [
    Column("person_ref", required=True, max_length=_max_length(Person, "reference")),
    Column("family_ref", required=True),
    Column("role", _choice(Membership.Role.values), required=True),
    Column("given_name", required=True, max_length=_max_length(Person, "given_name")),
    Column("family_name", max_length=_max_length(Person, "family_name")),
    Column("date_of_birth", _past_date),
    Column("sex", _choice(Person.Sex.values)),
    Column("ethnicity", max_length=_max_length(Person, "ethnicity")),
    Column("care_experienced", _boolean),
    Column("previous_child_removal", _boolean),
]
EPISODE_COLUMNS = [
    Column("person_ref", required=True),
    Column("status", _choice(LegalStatus.values), required=True),
    Column("start_date", _date, required=True),
    Column("end_date", _date),
]
INTERVENTION_COLUMNS = [
    Column("intervention_ref", required=True, max_length=_max_length(Referral, "reference")),
    Column("person_ref", required=True),
    # Required only when the person is in more than one family (checked with the people).
    Column("family_ref"),
    Column("pathway", _choice(SpecialistPathway.values), required=True),
    Column("referred_on", _date, required=True),
    Column("engagement", _choice(Engagement.values)),
    Column("allocated_on", _date),
    Column("closed_on", _date),
    Column("closure_reason"),
    Column("previously_known", _boolean),
]


# Tables -----------------------------------------------------------------------------------

# (file, line, column, message)
Problem = tuple[str, int, str, str]


@dataclass
class Row:
    line: int
    # Cells that read well, parsed; a cell with a problem is reported and left out.
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.bad


@dataclass
class Table:
    name: str
    rows: list[Row]
    # False when the file is missing or its header is unusable. Its references are then
    # unknown, so other files' references to it go unchecked rather than all reported.
    readable: bool = True


def _read_table(bundle: Bundle, name: str, columns: list[Column], problems: list[Problem]) -> Table:
    raw = bundle.files.get(name)
    if raw is None:
        if name in REQUIRED_FILES:
            problems.append((name, 1, NO_COLUMN, "missing from the bundle"))
            return Table(name, [], readable=False)
        return Table(name, [])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append((name, line, NO_COLUMN, "not UTF-8 text (save the file as UTF-8 CSV)"))
        return Table(name, [], readable=False)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader, [])]
        position: dict[str, int] = {}
        wanted = {column.name for column in columns}
        readable = True
        for index, column_name in enumerate(header):
            if column_name in position and column_name in wanted:
                problems.append((name, 1, column_name, "column appears more than once"))
                readable = False
            position.setdefault(column_name, index)
        for column in columns:
            if column.required and column.name not in position:
                problems.append((name, 1, column.name, "missing required column"))
                readable = False
        if not readable:
            return Table(name, [], readable=False)
        rows = []
        # A quoted cell may span lines: a row's number is the line it starts on.
        next_line = reader.line_num + 1
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            if any(cell.strip() for cell in cells):
                rows.append(_read_row(name, line, cells, len(header), columns, position, problems))
    except csv.Error as error:
        problems.append((name, reader.line_num, NO_COLUMN, f"not readable as CSV: {error}"))
        return Table(name, [], readable=False)
    return Table(name, rows)


def _read_row(
    name: str,
    line: int,
    cells: list[str],
    width: int,
    columns: list[Column],
    position: dict[str, int],
    problems: list[Problem],
) -> Row:
    row = Row(line, {})

    def problem(column: str, message: str) -> None:
        problems.append((name, line, column, message))
        row.bad.add(column)

    if any(cell.strip() for cell in cells[width:]):
        problem(NO_COLUMN, f"{len(cells)} values but the header names {width} columns")
    for column in columns:
        index = position.get(column.name)
        value = cells[index].strip() if index is not None and index < len(cells) else ""
        if column.required and not value:
            problem(column.name, "a value is required")
        elif column.max_length is not None and len(value) > column.max_length:
            problem(column.name, f"longer than {column.max_length} characters")
        else:
            try:
                row.values[column.name] = column.parse(value)
            except ValueError as error:
                problem(column.name, str(error))
    return row


# Importing --------------------------------------------------------------------------------


def import_bundle(
    bundle: Bundle, *, acting_user: User | None, dry_run: bool = False
) -> ImportResult:
    """Check the whole bundle, then write all of it in one transaction, or nothing.

    A dry run writes and rolls back, so its counts are exactly what the import would do now.
    `acting_user` is None from the command line (the server's operator); the audit rows then
    name `import_cases`. Anyone else must hold the case import permission.
    """
    if acting_user is not None and not acting_user.may_import_cases:
        raise PermissionDenied("Importing cases needs the case import permission.")
    result = ImportResult(dry_run=dry_run)
    case_import = _CaseImport(bundle, result)
    with transaction.atomic():
        run = ImportRun.objects.create(actor=acting_user, dry_run=dry_run)
        try:
            case_import.check()
            case_import.write(acting_user, run)
        except _Refused:
            pass
        written = not (dry_run or case_import.problems)
        if written:
            _record_run(run, result, acting_user)
        else:
            transaction.set_rollback(True)
    if not written:
        # The run is recorded all the same, outside the rolled-back work: a preview or a
        # refused bundle is an attempt the audit trail should show.
        run = ImportRun.objects.create(
            actor=acting_user, dry_run=dry_run, problems=len(case_import.problems)
        )
        _record_run(run, result, acting_user)
    result.run_id = run.pk
    if case_import.problems:
        order = {name: index for index, name in enumerate(FILES)}
        problems = sorted(case_import.problems, key=lambda problem: (order[problem[0]], problem[1]))
        result.error_count = len(problems)
        result.errors = [
            f"{file}:{line}: {column}: {message}"
            for file, line, column, message in problems[:MAX_ERRORS_SHOWN]
        ]
        result.counts = {name: FileCounts() for name in FILES}
        result.new_localities, result.new_teams = [], []
    return result


def _record_run(run: ImportRun, result: ImportResult, acting_user: User | None) -> None:
    if not run.problems:
        run.counts = {name: vars(counts) for name, counts in result.counts.items()}
        run.save(update_fields=["counts"])
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=acting_user,
        obj=run,
        username="" if acting_user is not None else AUDIT_USERNAME,
        detail={**AUDIT_DETAIL, "dry_run": run.dry_run, "problems": run.problems},
    )


class _Refused(Exception):
    """The bundle has problems: stop, and write nothing."""


# Provenance -------------------------------------------------------------------------------

# Not part of what the import wrote: the primary key, and timestamps that a save with no
# change also moves. The version is included, so any service's change shows.
_UNFINGERPRINTED = {"id", "created_at", "updated_at"}


def _digest(value: Any) -> str:
    text = json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(obj: models.Model) -> str:
    """The whole row as stored, but for its key and timestamps."""
    return _digest(
        {
            field.attname: field.value_from_object(obj)
            for field in obj._meta.concrete_fields
            if field.attname not in _UNFINGERPRINTED
        }
    )


def episodes_fingerprint(episodes: Iterable[StatusEpisode]) -> str:
    """A child's status history, which has no version: every episode, by id."""
    return _digest(
        sorted(
            (episode.pk, episode.status, episode.start_date, episode.end_date)
            for episode in episodes
        )
    )


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _by_reference(
    model: type[ImportedT], references: Iterable[str], *related: str
) -> dict[str, ImportedT]:
    """The stored records by reference, locked until the import ends: a service's change
    made meanwhile waits, rather than landing between the check and the write."""
    found: dict[str, ImportedT] = {}
    for chunk in _chunks(sorted(set(references))):
        stored = model._default_manager.filter(reference__in=chunk).order_by()
        for obj in stored.select_related(*related).select_for_update(of=("self",)):
            found[obj.reference] = obj
    return found


def _assign(obj: models.Model, values: dict[str, Any]) -> bool:
    """Set the values that differ from what `obj` holds; True if any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _bulk_create(model: type[ModelT], objects: list[ModelT]) -> None:
    model._default_manager.bulk_create(objects, batch_size=BATCH)
    # Later rows point at these by primary key, and the audit rows name them.
    if any(obj.pk is None for obj in objects):
        raise RuntimeError("This database does not return primary keys from bulk inserts.")


# The column of the bundle each model field comes from, to report field validation errors.
COLUMN_FOR_FIELD = {
    FAMILIES: {"reference": "family_ref"},
    PEOPLE: {"reference": "person_ref"},
    EPISODES: {},
    INTERVENTIONS: {"reference": "intervention_ref"},
}


class _CaseImport:
    def __init__(self, bundle: Bundle, result: ImportResult) -> None:
        self.result = result
        self.problems: list[Problem] = []
        self.families = _read_table(bundle, FAMILIES, FAMILY_COLUMNS, self.problems)
        self.people = _read_table(bundle, PEOPLE, PERSON_COLUMNS, self.problems)
        self.episodes = _read_table(bundle, EPISODES, EPISODE_COLUMNS, self.problems)
        self.interventions = _read_table(bundle, INTERVENTIONS, INTERVENTION_COLUMNS, self.problems)
        # The rows to write, by reference (a repeated reference is reported, not kept): each
        # person's rows in line order, one per family, and each membership's row by its
        # (person_ref, family_ref) pair.
        self.family_rows: dict[str, Row] = {}
        self.person_rows: dict[str, list[Row]] = {}
        self.membership_rows: dict[tuple[str, str], Row] = {}
        self.referral_rows: dict[str, Row] = {}
        self.episode_rows: dict[str, list[Row]] = defaultdict(list)
        # Each person's own values, as their rows agree them (an empty cell agrees with any).
        self.person_values: dict[str, dict[str, Any]] = {}
        # The family each intervention's referral was made in, by intervention_ref.
        self.referral_families: dict[str, str] = {}
        # What the database holds already, loaded once by reference.
        self.stored_families: dict[str, Family] = {}
        self.stored_people: dict[str, Person] = {}
        self.stored_referrals: dict[str, Referral] = {}
        # The references of the stored families loaded, by id.
        self.family_references: dict[int, str] = {}
        # Every stored person's memberships (ended ones too) and status episodes, by person id.
        self.stored_memberships: dict[int, list[Membership]] = defaultdict(list)
        self.stored_episodes: dict[int, list[StatusEpisode]] = defaultdict(list)
        # The status episodes of each child the bundle lists, as the import leaves them.
        self.episodes_written: dict[int, list[StatusEpisode]] = {}
        # What imports created, by (model label, id), and what may be touched, worked out once.
        self.provenance: dict[tuple[str, int], ImportedRecord] = {}
        self._importable: dict[tuple[str, int], bool] = {}
        self.pathways: dict[str, Pathway] = {}
        # For the audit trail.
        self.created: list[Imported] = []
        self.former_names: list[PersonName] = []
        self.updated: list[Imported] = []

    def problem(self, table: Table | str, row: Row, column: str, message: str) -> None:
        name = table if isinstance(table, str) else table.name
        self.problems.append((name, row.line, column, message))
        row.bad.add(column)

    def refuse_if_problems(self) -> None:
        if self.problems:
            raise _Refused

    def already_recorded(self, table: Table, row: Row, column: str) -> None:
        """The row names a record the import may not touch: say so, and nothing else."""
        if column not in row.bad:
            self.problem(table, row, column, ALREADY_RECORDED.format(reference=row.values[column]))

    def importable(self, obj: Imported) -> bool:
        """Created by an import, and nobody has changed it in DMT since: for a person, their
        status episodes and memberships too (a membership made or ended in DMT is casework)."""
        key = (obj._meta.label_lower, obj.pk)
        if key not in self._importable:
            record = self.provenance.get(key)
            self._importable[key] = (
                record is not None
                and record.fingerprint == fingerprint(obj)
                and (
                    not isinstance(obj, Person)
                    or (
                        record.episodes_fingerprint
                        == episodes_fingerprint(self.stored_episodes[obj.pk])
                        and all(
                            self.importable(membership)
                            for membership in self.stored_memberships[obj.pk]
                        )
                    )
                )
            )
        return self._importable[key]

    # Checking -----------------------------------------------------------------------------

    def check(self) -> None:
        self.load_stored()
        for table, column, rows in [
            (self.families, "family_ref", self.family_rows),
            (self.interventions, "intervention_ref", self.referral_rows),
        ]:
            for row in table.rows:
                self.claim(table, row, column, rows)
        for row in self.people.rows:
            self.claim_membership(row)
        self.check_families()
        self.check_people()
        self.check_episodes()
        self.check_interventions()
        self.refuse_if_problems()

    def load_stored(self) -> None:
        self.stored_families = _by_reference(
            Family,
            {
                row.values["family_ref"]
                for row in [*self.families.rows, *self.people.rows, *self.interventions.rows]
                if row.values.get("family_ref")
            },
            "locality",
            "team",
        )
        self.stored_people = _by_reference(
            Person,
            {
                row.values["person_ref"]
                for table in (self.people, self.episodes, self.interventions)
                for row in table.rows
                if "person_ref" in row.values
            },
        )
        person_ids = sorted(person.pk for person in self.stored_people.values())
        for chunk in _chunks(person_ids):
            listed = Membership.objects.filter(person_id__in=chunk).order_by("id")
            for membership in listed.select_for_update():
                self.stored_memberships[membership.person_id].append(membership)
        memberships = [
            membership for held in self.stored_memberships.values() for membership in held
        ]
        # The other families of the people named: an intervention may be in one of them.
        loaded = {family.pk for family in self.stored_families.values()}
        others = sorted({membership.family_id for membership in memberships} - loaded)
        for chunk in _chunks(others):
            families = Family.objects.filter(pk__in=chunk).order_by()
            for family in families.select_related("locality", "team").select_for_update(
                of=("self",)
            ):
                self.stored_families[family.reference] = family
        self.family_references = {
            family.pk: reference for reference, family in self.stored_families.items()
        }
        self.stored_referrals = _by_reference(
            Referral,
            {
                row.values["intervention_ref"]
                for row in self.interventions.rows
                if "intervention_ref" in row.values
            },
        )
        self.pathways = {pathway.code: pathway for pathway in Pathway.objects.all()}
        for chunk in _chunks(person_ids):
            episodes = StatusEpisode.objects.filter(child_id__in=chunk).order_by()
            for episode in episodes.select_for_update():
                self.stored_episodes[episode.child_id].append(episode)
        stored: list[list[Imported]] = [
            list(self.stored_families.values()),
            list(self.stored_people.values()),
            list(self.stored_referrals.values()),
            list(memberships),
        ]
        for objects in stored:
            if not objects:
                continue
            label = objects[0]._meta.label_lower
            for chunk in _chunks(sorted(obj.pk for obj in objects)):
                records = ImportedRecord.objects.filter(object_type=label, object_id__in=chunk)
                for record in records.order_by():
                    self.provenance[(label, record.object_id)] = record

    def claim(self, table: Table, row: Row, column: str, rows: dict[str, Row]) -> None:
        """Keep the row under its reference, unless an earlier row has it (reported here)."""
        reference = row.values.get(column)
        if reference is None:
            return
        first = rows.get(reference)
        if first is not None:
            self.problem(table, row, column, f"{reference} is already on line {first.line}")
        else:
            rows[reference] = row

    def claim_membership(self, row: Row) -> None:
        """Keep a people.csv row among its person's rows, unless an earlier row has the same
        person in the same family (reported here)."""
        reference, family_ref = row.values.get("person_ref"), row.values.get("family_ref")
        if reference is None:
            return
        if family_ref is not None:
            first = self.membership_rows.get((reference, family_ref))
            if first is not None:
                self.problem(
                    self.people,
                    row,
                    "person_ref",
                    f"{reference} in {family_ref} is already on line {first.line}",
                )
                return
            self.membership_rows[(reference, family_ref)] = row
        self.person_rows.setdefault(reference, []).append(row)

    def check_not_before(self, table: Table, row: Row, column: str, earlier: str) -> None:
        value, start = row.values.get(column), row.values.get(earlier)
        if value is not None and start is not None and value < start:
            self.problem(table, row, column, f"before {earlier} ({start.isoformat()})")

    def check_families(self) -> None:
        for row in self.families.rows:
            self.check_not_before(self.families, row, "closed_on", "opened_on")
            reference = row.values.get("family_ref")
            if not reference:
                continue
            stored = self.stored_families.get(reference)
            if stored is None or self.family_rows.get(reference) is not row:
                continue
            if not self.importable(stored) or _moves_or_closes(stored, row):
                self.already_recorded(self.families, row, "family_ref")

    def check_people(self) -> None:
        for row in self.people.rows:
            family_ref = row.values.get("family_ref")
            stored_family = self.stored_families.get(family_ref) if family_ref else None
            if (
                family_ref is not None
                and stored_family is None
                and self.families.readable
                and family_ref not in self.family_rows
            ):
                self.problem(
                    self.people,
                    row,
                    "family_ref",
                    f"no family {family_ref} in {FAMILIES} or already recorded",
                )
            if stored_family is not None and not self.importable(stored_family):
                # Adding someone to a live case is casework, not an import.
                self.already_recorded(self.people, row, "family_ref")
            if row.values.get("role") == Membership.Role.CHILD:
                for column in ("care_experienced", "previous_child_removal"):
                    if row.values.get(column) is not None:
                        self.problem(
                            self.people, row, column, "for adults only: leave it empty for a child"
                        )
        role_changes: list[tuple[Row, Person]] = []
        for reference, rows in self.person_rows.items():
            self.person_values[reference] = self.agreed_values(reference, rows)
            self.check_child_everywhere(reference, rows)
            stored = self.stored_people.get(reference)
            if stored is None:
                continue
            # Their father link, contacts, plans and history belong to the case they are in,
            # and leaving it is recorded in DMT (membership_end), not by import.
            if not self.importable(stored) or self.leaves_a_family(stored, rows):
                for row in rows:
                    self.already_recorded(self.people, row, "person_ref")
                continue
            role = rows[0].values.get("role")
            if role and (role == Membership.Role.CHILD) != self.stored_is_child(stored):
                role_changes.append((rows[0], stored))
        self.check_role_changes(role_changes)

    def agreed_values(self, reference: str, rows: list[Row]) -> dict[str, Any]:
        """The person's own values: on each column, the first non-empty cell of their rows.
        Another non-empty cell that differs is a problem on its line."""
        agreed: dict[str, Any] = {}
        for column in PERSON_FIELDS:
            first: Row | None = None
            for row in rows:
                value = row.values.get(column)
                if value is None or value == "":
                    continue
                if first is None:
                    first = row
                elif value != first.values[column]:
                    self.problem(
                        self.people,
                        row,
                        column,
                        f"differs from {reference}'s row on line {first.line} "
                        f"({_cell(first.values[column])})",
                    )
            empty = next((row.values[column] for row in rows if column in row.values), None)
            agreed[column] = first.values[column] if first is not None else empty
        return agreed

    def check_child_everywhere(self, reference: str, rows: list[Row]) -> None:
        """A child is a child in every family they belong to; an adult is an adult in each."""
        first = next((row for row in rows if row.values.get("role")), None)
        if first is None:
            return
        is_child = first.values["role"] == Membership.Role.CHILD
        for row in rows:
            role = row.values.get("role")
            if role and (role == Membership.Role.CHILD) != is_child:
                self.problem(
                    self.people,
                    row,
                    "role",
                    f"{reference} is {_role_phrase(first.values['role'])} on line {first.line}: "
                    "a child is a child in every family",
                )

    def leaves_a_family(self, stored: Person, rows: list[Row]) -> bool:
        """The stored person belongs to a family none of their rows names."""
        if any("family_ref" not in row.values for row in rows):
            return False  # that row's problem is reported already
        named = {
            self.stored_families[row.values["family_ref"]].pk
            for row in rows
            if row.values["family_ref"] in self.stored_families
        }
        return any(
            membership.family_id not in named for membership in self.stored_memberships[stored.pk]
        )

    def stored_is_child(self, stored: Person) -> bool:
        return any(
            membership.role == Membership.Role.CHILD
            for membership in self.stored_memberships[stored.pk]
        )

    def check_role_changes(self, role_changes: list[tuple[Row, Person]]) -> None:
        """A child with episodes stays a child, an adult with referrals stays an adult.

        The referrals may be DMT's own, so the problem says no more than for any other
        record the import may not touch.
        """
        becoming_adults = {
            stored.pk: row for row, stored in role_changes if self.stored_is_child(stored)
        }
        for child_id, row in becoming_adults.items():
            if self.stored_episodes[child_id]:
                self.already_recorded(self.people, row, "person_ref")
        becoming_children = {
            stored.pk: row for row, stored in role_changes if not self.stored_is_child(stored)
        }
        for chunk in _chunks(sorted(becoming_children)):
            referrals = Referral.objects.filter(person_id__in=chunk).order_by()
            for person_id in set(referrals.values_list("person_id", flat=True)):
                self.already_recorded(self.people, becoming_children[person_id], "person_ref")

    def check_person(self, table: Table, row: Row, *, child: bool) -> bool:
        """The row's person is known and a child (or an adult): True, else False with the
        problem reported (or left to the file that names them)."""
        reference = row.values.get("person_ref")
        if reference is None:
            return False
        stored = self.stored_people.get(reference)
        if stored is not None and not self.importable(stored):
            self.already_recorded(table, row, "person_ref")
            return False
        role: str | None
        if reference in self.person_rows:
            role = self.person_rows[reference][0].values.get("role")
        elif stored is not None:
            role = next((m.role for m in self.stored_memberships[stored.pk]), None)
        else:
            if self.people.readable:
                self.problem(
                    table,
                    row,
                    "person_ref",
                    f"no person {reference} in {PEOPLE} or already recorded",
                )
            return False
        if role is None:
            return False
        if child and role != Membership.Role.CHILD:
            label = Membership.Role(role).label.lower()
            self.problem(
                table,
                row,
                "person_ref",
                f"{reference} is an adult ({label}): status episodes are for children only",
            )
            return False
        if not child and role == Membership.Role.CHILD:
            self.problem(
                table, row, "person_ref", f"{reference} is a child: interventions are for adults"
            )
            return False
        return True

    def families_of(self, reference: str) -> list[str] | None:
        """The references of the families the person belongs to once the import is done:
        those their rows name, or the stored ones; None when their rows have problems."""
        if reference in self.person_rows:
            rows = self.person_rows[reference]
            if any("family_ref" not in row.values for row in rows):
                return None
            return [row.values["family_ref"] for row in rows]
        stored = self.stored_people.get(reference)
        if stored is None:
            return None
        return sorted(
            self.family_references[membership.family_id]
            for membership in self.stored_memberships[stored.pk]
            if membership.left_on is None
        )

    def check_episodes(self) -> None:
        for row in self.episodes.rows:
            self.check_person(self.episodes, row, child=True)
            self.check_not_before(self.episodes, row, "end_date", "start_date")
            if row.ok:
                self.episode_rows[row.values["person_ref"]].append(row)
        for rows in self.episode_rows.values():
            self.check_overlaps(rows)

    def check_overlaps(self, rows: list[Row]) -> None:
        """Both dates are inclusive; an overlap is reported on the later line of the two."""

        def end(row: Row) -> datetime.date:
            return row.values["end_date"] or datetime.date.max

        reported: set[int] = set()
        reaching_furthest: Row | None = None
        for row in sorted(rows, key=lambda row: (row.values["start_date"], row.line)):
            if reaching_furthest is not None and end(reaching_furthest) >= row.values["start_date"]:
                earlier, later = sorted([row, reaching_furthest], key=lambda row: row.line)
                if later.line not in reported:
                    reported.add(later.line)
                    self.problem(
                        self.episodes,
                        later,
                        "start_date",
                        f"overlaps the {earlier.values['status']} episode on line {earlier.line} "
                        f"({_span(earlier)})",
                    )
            if reaching_furthest is None or end(row) > end(reaching_furthest):
                reaching_furthest = row

    def check_interventions(self) -> None:
        for row in self.interventions.rows:
            if self.check_person(self.interventions, row, child=False):
                self.check_intervention_family(row)
            code = row.values.get("pathway")
            if code is not None and code not in self.pathways:
                self.problem(self.interventions, row, "pathway", f"no {code} pathway is set up")
            self.check_not_before(self.interventions, row, "allocated_on", "referred_on")
            self.check_not_before(self.interventions, row, "closed_on", "referred_on")
            reference = row.values.get("intervention_ref")
            if not reference:
                continue
            stored = self.stored_referrals.get(reference)
            if stored is None or self.referral_rows.get(reference) is not row:
                continue
            if not self.importable(stored) or self.referral_moves_or_closes(stored, row):
                self.already_recorded(self.interventions, row, "intervention_ref")

    def check_intervention_family(self, row: Row) -> None:
        """The family the referral was made in: the one named, which must be one of the
        person's, or their only family."""
        reference = row.values["person_ref"]
        families = self.families_of(reference)
        if families is None:
            return
        family_ref = row.values.get("family_ref")
        column = "family_ref"
        if not family_ref:
            if len(families) > 1:
                self.problem(
                    self.interventions,
                    row,
                    "family_ref",
                    f"a value is required: {reference} is in more than one family "
                    f"({', '.join(families)})",
                )
                return
            if not families:
                # Only someone whose memberships were ended in DMT is in no family.
                self.already_recorded(self.interventions, row, "person_ref")
                return
            family_ref, column = families[0], "person_ref"
        elif family_ref not in families:
            if family_ref in self.family_rows or family_ref in self.stored_families:
                message = f"{reference} is not in family {family_ref}"
            elif self.families.readable:
                message = f"no family {family_ref} in {FAMILIES} or already recorded"
            else:
                return
            self.problem(self.interventions, row, "family_ref", message)
            return
        stored = self.stored_families.get(family_ref)
        if stored is not None and not self.importable(stored):
            # A referral in a case recorded or changed in DMT is that case's casework.
            self.already_recorded(self.interventions, row, column)
            return
        if "intervention_ref" in row.values:
            self.referral_families[row.values["intervention_ref"]] = family_ref

    def referral_moves_or_closes(self, stored: Referral, row: Row) -> bool:
        """To another person, family or pathway, closed or reopened: each only through the
        services."""
        values = row.values
        person = self.stored_people.get(values.get("person_ref", ""))
        pathway = self.pathways.get(values.get("pathway", ""))
        family_ref = self.referral_families.get(stored.reference)
        family = self.stored_families.get(family_ref) if family_ref is not None else None
        return (
            ("person_ref" in values and (person is None or person.pk != stored.person_id))
            or (family_ref is not None and (family is None or family.pk != stored.family_id))
            or ("pathway" in values and (pathway is None or pathway.pk != stored.pathway_id))
            or ("closed_on" in values and values["closed_on"] != stored.closed_on)
        )

    # Writing ------------------------------------------------------------------------------

    def write(self, acting_user: User | None, run: ImportRun) -> None:
        families = self.write_families()
        people = self.write_people(families)
        children_changed = self.write_episodes(people)
        self.write_referrals(people, families)
        updated = {(obj._meta.label, obj.pk): obj for obj in [*self.updated, *children_changed]}
        self.write_provenance(run, [*self.created, *updated.values()])
        username = "" if acting_user is not None else AUDIT_USERNAME
        detail = {**AUDIT_DETAIL, "import_run": run.pk}
        if self.created or self.former_names:
            audit_record_many(
                action=AuditEvent.Action.CREATE,
                actor=acting_user,
                objects=[*self.created, *self.former_names],
                username=username,
                detail=detail,
            )
        if updated:
            audit_record_many(
                action=AuditEvent.Action.UPDATE,
                actor=acting_user,
                objects=list(updated.values()),
                username=username,
                detail=detail,
            )

    def write_provenance(self, run: ImportRun, written: list[Imported]) -> None:
        """Remember each record written as the import leaves it, so a later import can tell
        whether anyone has changed it in DMT since."""
        records = [
            ImportedRecord(
                object_type=obj._meta.label_lower,
                object_id=obj.pk,
                # A membership goes by its person's reference (its family is in the row).
                reference=obj.person.reference if isinstance(obj, Membership) else obj.reference,
                fingerprint=fingerprint(obj),
                episodes_fingerprint=(
                    episodes_fingerprint(
                        self.episodes_written.get(obj.pk, self.stored_episodes.get(obj.pk, []))
                    )
                    if isinstance(obj, Person)
                    else ""
                ),
                created_by=run,
                written_by=run,
            )
            for obj in written
        ]
        ImportedRecord.objects.bulk_create(
            records,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["object_type", "object_id"],
            update_fields=["reference", "fingerprint", "episodes_fingerprint", "written_by"],
        )

    def clean(self, file: str, row: Row, obj: models.Model) -> None:
        """The model's own field checks, a backstop behind the checks above."""
        relations = [field.name for field in obj._meta.fields if field.is_relation]
        try:
            obj.clean_fields(exclude=relations)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = COLUMN_FOR_FIELD[file].get(name, name)
                self.problem(file, row, column, " ".join(messages))

    def save(
        self,
        model: type[ImportedT],
        file: str,
        rows: dict[str, Row],
        values: dict[str, dict[str, Any]],
        fields: list[str],
        stored: dict[str, ImportedT],
        link: Callable[[ImportedT, Row], None] | None = None,
    ) -> dict[str, ImportedT]:
        """Create new rows and update changed ones in bulk; every row by reference after."""
        counts = self.result.counts[file]
        new: list[ImportedT] = []
        changed: list[ImportedT] = []
        now = timezone.now()
        for reference, row_values in values.items():
            obj = stored.get(reference)
            if obj is None:
                obj = model(reference=reference, **row_values)
                new.append(obj)
            elif _assign(obj, row_values):
                # Services check the version: an edit started before the import is a conflict.
                obj.version += 1
                obj.updated_at = now
                changed.append(obj)
            else:
                counts.unchanged += 1
                continue
            self.clean(file, rows[reference], obj)
            if link is not None:
                link(obj, rows[reference])
        self.refuse_if_problems()
        _bulk_create(model, new)
        model._default_manager.bulk_update(
            changed, [*fields, "version", "updated_at"], batch_size=BATCH
        )
        counts.created, counts.updated = len(new), len(changed)
        self.created.extend(new)
        self.updated.extend(changed)
        return {**stored, **{obj.reference: obj for obj in new}}

    def write_families(self) -> dict[str, Family]:
        localities = self.write_localities()
        teams = self.write_teams(localities)
        values = {}
        for reference, row in self.family_rows.items():
            locality = localities[row.values["locality"]]
            team = teams.get((locality.pk, row.values["team"]))
            values[reference] = {
                "locality_id": locality.pk,
                "team_id": team.pk if team is not None else None,
                "cohort": row.values["cohort"],
                "opened_on": row.values["opened_on"],
                "closed_on": row.values["closed_on"],
                "closure_reason": row.values["closure_reason"],
            }
        fields = ["locality", "team", "cohort", "opened_on", "closed_on", "closure_reason"]
        return self.save(Family, FAMILIES, self.family_rows, values, fields, self.stored_families)

    def write_localities(self) -> dict[str, Locality]:
        names = sorted({row.values["locality"] for row in self.family_rows.values()})
        localities = {}
        for chunk in _chunks(names):
            localities.update(
                {locality.name: locality for locality in Locality.objects.filter(name__in=chunk)}
            )
        new = [Locality(name=name) for name in names if name not in localities]
        _bulk_create(Locality, new)
        self.result.new_localities = [locality.name for locality in new]
        return localities | {locality.name: locality for locality in new}

    def write_teams(self, localities: dict[str, Locality]) -> dict[tuple[int, str], Team]:
        """Teams by (locality id, name): a team name is unique only within its locality."""
        wanted = {
            (localities[row.values["locality"]].pk, row.values["team"])
            for row in self.family_rows.values()
            if row.values["team"]
        }
        teams = {}
        for chunk in _chunks(sorted({locality_id for locality_id, _ in wanted})):
            for team in Team.objects.filter(locality_id__in=chunk).order_by():
                teams[(team.locality_id, team.name)] = team
        new = [Team(locality_id=pk, name=name) for pk, name in sorted(wanted - teams.keys())]
        _bulk_create(Team, new)
        names = {locality.pk: name for name, locality in localities.items()}
        self.result.new_teams = [f"{team.name} ({names[team.locality_id]})" for team in new]
        return teams | {(team.locality_id, team.name): team for team in new}

    def write_people(self, families: dict[str, Family]) -> dict[str, Person]:
        values = {
            reference: {
                **self.person_values[reference],
                "sex": self.person_values[reference]["sex"] or Person.Sex.UNKNOWN,
            }
            for reference in self.person_rows
        }
        first_rows = {reference: rows[0] for reference, rows in self.person_rows.items()}
        names_before = {
            reference: (person.given_name, person.family_name)
            for reference, person in self.stored_people.items()
        }
        people = self.save(
            Person, PEOPLE, first_rows, values, list(PERSON_FIELDS), self.stored_people
        )
        # A person renamed by the import keeps the name they had, as a rename in DMT does:
        # search finds them by it.
        self.former_names = [
            PersonName(person=people[reference], given_name=given, family_name=family)
            for reference, (given, family) in names_before.items()
            if reference in people
            and (people[reference].given_name, people[reference].family_name) != (given, family)
        ]
        PersonName.objects.bulk_create(self.former_names, batch_size=BATCH)
        self.write_memberships(people, families)
        return people

    def write_memberships(self, people: dict[str, Person], families: dict[str, Family]) -> None:
        """Each person's place in each family their rows name: created, or its role changed.
        None is ended: a bundle leaving out a family of a stored person was refused."""
        stored = {
            (membership.person_id, membership.family_id): membership
            for listed in self.stored_memberships.values()
            for membership in listed
            if membership.left_on is None
        }
        new: list[Membership] = []
        changed: list[Membership] = []
        people_changed: set[int] = set()
        for (reference, family_ref), row in self.membership_rows.items():
            person, family, role = people[reference], families[family_ref], row.values["role"]
            membership = stored.get((person.pk, family.pk))
            if membership is None:
                membership = Membership(person=person, family=family, role=role)
                new.append(membership)
            elif membership.role != role:
                membership.role = role
                membership.version += 1
                # Loaded already: the provenance names the membership by its person.
                membership.person = person
                changed.append(membership)
            else:
                continue
            people_changed.add(person.pk)
            self.clean(PEOPLE, row, membership)
        self.refuse_if_problems()
        _bulk_create(Membership, new)
        Membership.objects.bulk_update(changed, ["role", "version"], batch_size=BATCH)
        self.created.extend(new)
        self.updated.extend(changed)
        # people.csv counts people: one whose record is unchanged but whose memberships
        # changed is updated.
        counts = self.result.counts[PEOPLE]
        stored_people = {person.pk for person in self.stored_people.values()}
        updated = {obj.pk for obj in self.updated if isinstance(obj, Person)}
        moved = len((people_changed & stored_people) - updated)
        counts.unchanged -= moved
        counts.updated += moved

    def write_episodes(self, people: dict[str, Person]) -> list[Person]:
        """Make each listed child's episodes the bundle's; returns the stored children changed.

        An episode is matched on its start date and status. Stored episodes the bundle does
        not list go first, then end dates change, then new episodes arrive, so no moment has
        two episodes of a child overlapping (PostgreSQL checks at every row).
        """
        counts = self.result.counts[EPISODES]
        new: list[StatusEpisode] = []
        changed: list[StatusEpisode] = []
        gone: list[StatusEpisode] = []
        children_changed: list[Person] = []
        for reference, rows in self.episode_rows.items():
            child = people[reference]
            stored = self.stored_episodes.get(child.pk, [])
            kept = {(episode.start_date, episode.status): episode for episode in stored}
            written = self.episodes_written[child.pk] = []
            touched = False
            for row in rows:
                episode = kept.pop((row.values["start_date"], row.values["status"]), None)
                if episode is None:
                    episode = StatusEpisode(
                        child=child,
                        status=row.values["status"],
                        start_date=row.values["start_date"],
                        end_date=row.values["end_date"],
                    )
                    new.append(episode)
                elif episode.end_date != row.values["end_date"]:
                    episode.end_date = row.values["end_date"]
                    changed.append(episode)
                else:
                    written.append(episode)
                    counts.unchanged += 1
                    continue
                written.append(episode)
                touched = True
                self.clean(EPISODES, row, episode)
            gone.extend(kept.values())
            if (touched or kept) and reference in self.stored_people:
                children_changed.append(child)
        self.refuse_if_problems()
        for chunk in _chunks(sorted(episode.pk for episode in gone)):
            StatusEpisode.objects.filter(pk__in=chunk).delete()
        StatusEpisode.objects.bulk_update(changed, ["end_date"], batch_size=BATCH)
        _bulk_create(StatusEpisode, new)
        counts.created, counts.updated, counts.deleted = len(new), len(changed), len(gone)
        return children_changed

    def write_referrals(self, people: dict[str, Person], families: dict[str, Family]) -> None:
        values = {
            reference: {
                "person_id": people[row.values["person_ref"]].pk,
                "family_id": families[self.referral_families[reference]].pk,
                "pathway_id": self.pathways[row.values["pathway"]].pk,
                "referred_on": row.values["referred_on"],
                "engagement": row.values["engagement"] or Engagement.NEW,
                "allocated_on": row.values["allocated_on"],
                "closed_on": row.values["closed_on"],
                "closure_reason": row.values["closure_reason"],
                "previously_known": row.values["previously_known"],
            }
            for reference, row in self.referral_rows.items()
        }
        fields = [
            "person",
            "family",
            "pathway",
            "referred_on",
            "engagement",
            "allocated_on",
            "closed_on",
            "closure_reason",
            "previously_known",
        ]

        def link(referral: Referral, row: Row) -> None:
            # Loaded already: naming the referral in the audit trail costs no query.
            referral.person = people[row.values["person_ref"]]
            referral.family = families[self.referral_families[referral.reference]]
            referral.pathway = self.pathways[row.values["pathway"]]

        self.save(
            Referral,
            INTERVENTIONS,
            self.referral_rows,
            values,
            fields,
            self.stored_referrals,
            link=link,
        )


def _moves_or_closes(family: Family, row: Row) -> bool:
    """To another locality or team, closed or reopened: each only through the services."""
    values = row.values
    return (
        ("locality" in values and values["locality"] != family.locality.name)
        or ("team" in values and values["team"] != (family.team.name if family.team else ""))
        or ("closed_on" in values and values["closed_on"] != family.closed_on)
    )


def _span(row: Row) -> str:
    end = row.values["end_date"]
    return f"{row.values['start_date'].isoformat()} to {end.isoformat() if end else 'now'}"


def _cell(value: Any) -> str:
    """A parsed cell as the bundle writes it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _role_phrase(role: str) -> str:
    if role == Membership.Role.CHILD:
        return "a child"
    return f"an adult ({Membership.Role(role).label.lower()})"
