"""How long the outcome reports take for a whole council (100,000 children by default).

Run from the project root, against PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dmt_bench \\
        .venv/bin/python bench/outcome_reports.py [--children N] [--runs R] [--keep]

It builds a throwaway test database (test_ plus the DATABASE_URL name) and fills it with
bulk_create, not the services (no audit rows): 6 localities, 18 teams, about N/2 families of
1-3 children and 1-2 adults, opened 2019-2024 (about 30% closed), everyone a member of their
family (children born after it opened joining on their birth, about 5% of children leaving
before its end) and about 4% of fathers a member of a second household too, each child named
by a birth-parent link to its father, each child with 1-4 legal status episodes walking the
ladder (steps up the next day, steps down, gaps, repeat child protection plans, re-referrals
after closure), about 0.6 N referrals over the five pathways, each naming the household it
was made in, with engagement, allocation and closure, and an engagement history for about
half of them. The seed is fixed, so the same N gives the same council. Then ANALYZE.

It times every report of outcomes.reports.REPORTS as of 31 December 2024 (median and min of R
runs after one that counts the queries), beside one plain SQL statement that reads the same
tables once, and the four spec reports broken down by locality, and engagement and step_down
for the DMT pathway alone. Nothing is asserted: the figures are for reading. --keep keeps the
database afterwards and reuses it next time when it holds N children.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dmt.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)

from accounts.models import Locality, Role, SpecialistPathway, Team, User  # noqa: E402
from families.models import (  # noqa: E402
    Family,
    LegalStatus,
    Membership,
    Person,
    Relationship,
    StatusEpisode,
)
from referrals.models import (  # noqa: E402
    ClosureReason,
    Engagement,
    EngagementChange,
    Pathway,
    Rag,
)
from referrals.models import Referral as ReferralModel  # noqa: E402

SEED = 20241231
BATCH = 5000
AS_OF = datetime.date(2024, 12, 31)
FIRST_OPENED = datetime.date(2019, 1, 1)
# The data runs a little past as_of, so the reports have something to hide.
HORIZON = datetime.date(2025, 6, 30)
DAY = datetime.timedelta(days=1)

LOCALITIES = [
    ("Chesil", 21000),
    ("Purbeck", 16500),
    ("Blackmore Vale", 18000),
    ("Stour Valley", 24000),
    ("Poole Harbour", 31000),
    ("Tamar", 14500),
]
TEAM_KINDS = ["Assessment", "Family Safeguarding", "Children in Care"]
COHORTS = ["Pilot 2019", "Wave 2 (2021)", "Wave 3 (2022)", "Council-wide 2023"]
ETHNICITIES = [
    ("White British", 78),
    ("White other", 6),
    ("Mixed", 5),
    ("Asian or Asian British", 4),
    ("Black or Black British", 3),
    ("Other", 1),
    ("", 3),
]

EH, CIN, CP, PRE, CARE, LA = (
    LegalStatus.EARLY_HELP,
    LegalStatus.CIN,
    LegalStatus.CP,
    LegalStatus.PRE_PROCEEDINGS,
    LegalStatus.CARE_PROCEEDINGS,
    LegalStatus.LOOKED_AFTER,
)
FIRST_STATUS = [(EH, 34), (CIN, 40), (CP, 18), (PRE, 3), (CARE, 2), (LA, 3)]
# How long a spell on each rung lasts, in days.
LENGTH = {
    EH: (45, 300),
    CIN: (60, 540),
    CP: (90, 700),
    PRE: (40, 160),
    CARE: (90, 380),
    LA: (150, 1400),
}
# What follows a spell: (status, "next" = the day after it ends | "gap" = months later, weight).
AFTER = {
    EH: [(CIN, "next", 45), (EH, "gap", 20), (CIN, "gap", 25), (CP, "gap", 10)],
    CIN: [(CP, "next", 30), (EH, "next", 30), (CIN, "gap", 20), (CP, "gap", 20)],
    CP: [(CIN, "next", 40), (PRE, "next", 15), (CP, "gap", 30), (CIN, "gap", 15)],
    PRE: [(CARE, "next", 40), (CP, "next", 40), (CIN, "gap", 20)],
    CARE: [(LA, "next", 60), (CP, "next", 25), (CIN, "gap", 15)],
    LA: [(CIN, "next", 40), (EH, "gap", 30), (CP, "gap", 30)],
}
ENGAGEMENT = [
    (Engagement.ENGAGED, 45),
    (Engagement.INCONSISTENT, 20),
    (Engagement.NOT_ENGAGED, 20),
    (Engagement.NEW, 15),
]
# Which adults each pathway takes: (pathway, weight for a mother, weight for a father).
PATHWAY_WEIGHTS = {
    SpecialistPathway.DMT: (0, 40),
    SpecialistPathway.SUBSTANCE_USE: (15, 20),
    SpecialistPathway.DOMESTIC_ABUSE_VICTIM: (35, 2),
    SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR: (1, 25),
    SpecialistPathway.MENTAL_HEALTH: (40, 18),
}

# One hand-written statement per report that reads the tables the report reads, once.
# {referrals} narrows the referrals the way --pathway does ("" for all of them).
REFERRALS_OF_FAMILIES = """
    FROM referrals_referral r
    JOIN families_person p ON p.id = r.person_id
    JOIN families_family f ON f.id = r.family_id
"""
SCANS = {
    "child_status": """
        SELECT count(*), max(e.start_date), max(f.opened_on), max(m.left_on)
        FROM families_membership m
        JOIN families_family f ON f.id = m.family_id
        LEFT JOIN families_statusepisode e ON e.child_id = m.person_id
        WHERE m.role = 'child'
    """,
    "engagement": f"""
        SELECT count(*), max(r.referred_on), max(f.opened_on), max(c.changed_on)
        {REFERRALS_OF_FAMILIES}
        LEFT JOIN referrals_engagementchange c ON c.referral_id = r.id
        WHERE true {{referrals}}
    """,
    "step_down": f"""
        SELECT count(*), max(r.referred_on), max(f.opened_on), max(e.start_date)
        {REFERRALS_OF_FAMILIES}
        JOIN families_membership ch ON ch.family_id = f.id AND ch.role = 'child'
        LEFT JOIN families_statusepisode e ON e.child_id = ch.person_id
        WHERE true {{referrals}}
    """,
    "pathways": f"""
        SELECT count(*), max(r.referred_on), max(f.opened_on), max(w.code)
        {REFERRALS_OF_FAMILIES}
        JOIN referrals_pathway w ON w.id = r.pathway_id
        WHERE true {{referrals}}
    """,
}
ADULTS_MEASURED = f"""
    SELECT count(*), max(r.referred_on), max(m.taken_on), max(o.code)
    {REFERRALS_OF_FAMILIES}
    LEFT JOIN referrals_measurereading m ON m.person_id = p.id
    LEFT JOIN referrals_outcomemeasure o ON o.id = m.measure_id
"""
SCANS |= {
    "recovery_star": ADULTS_MEASURED,
    "depression_anxiety": ADULTS_MEASURED,
    "father_inclusion": """
        SELECT count(*), max(f.opened_on), max(t.fathers_training_on), max(d.phone),
            max(e.start_date), bool_or(i.invited_to_initial_conference)
        FROM families_membership m
        JOIN families_family f ON f.id = m.family_id
        LEFT JOIN accounts_team t ON t.id = f.team_id
        LEFT JOIN families_relationship l ON l.relative_id = m.person_id AND l.kind = 'parent'
        LEFT JOIN families_person d ON d.id = l.person_id
        LEFT JOIN families_fatherinclusion i ON i.child_id = m.person_id
        LEFT JOIN families_statusepisode e ON e.child_id = m.person_id
        WHERE m.role = 'child'
    """,
    "mi_training": """
        SELECT count(*), max(u.mi_trained_on), max(l.name), max(tl.name)
        FROM accounts_user u
        LEFT JOIN accounts_locality l ON l.id = u.locality_id
        LEFT JOIN accounts_team t ON t.id = u.team_id
        LEFT JOIN accounts_locality tl ON tl.id = t.locality_id
    """,
    "cp_rate": """
        SELECT count(*), max(e.start_date), max(f.opened_on), max(l.child_population)
        FROM families_membership m
        JOIN families_family f ON f.id = m.family_id
        JOIN accounts_locality l ON l.id = f.locality_id
        LEFT JOIN families_statusepisode e ON e.child_id = m.person_id AND e.status = 'cp'
        WHERE m.role = 'child'
    """,
}
DMT_ONLY = "AND r.pathway_id IN (SELECT id FROM referrals_pathway WHERE code = 'dmt')"
# Other reports: a count(*) of the table each mostly reads, if it exists. The bench leaves the
# supervision tables (and outcome measure readings) empty.
MAIN_TABLES = {"group_supervision": "supervision_meeting"}


def weighted(rng: random.Random, choices: list[tuple]) -> object:
    """The first item of one of `choices`, each weighted by its last item."""
    return rng.choices(choices, weights=[choice[-1] for choice in choices])[0][0]


def between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def save(model, rows: list) -> list:
    """Insert in batches; on PostgreSQL every row comes back with its id."""
    return model.objects.bulk_create(rows, batch_size=BATCH)


def staff(rng: random.Random, teams: list[Team], localities: list[Locality]) -> tuple:
    """Five social workers a team; two specialists of each pathway in each locality."""
    users = []
    workers: dict[int, list[User]] = {}
    specialists: dict[tuple[int, str], list[User]] = {}
    for team in teams:
        for n in range(5):
            worker = User(
                username=f"sw-{team.pk}-{n}",
                password="!",
                first_name="Worker",
                last_name=f"{team.pk}-{n}",
                role=Role.SOCIAL_WORKER,
                team=team,
            )
            users.append(worker)
            workers.setdefault(team.pk, []).append(worker)
    for locality in localities:
        for pathway in SpecialistPathway.values:
            for n in range(2):
                specialist = User(
                    username=f"sp-{locality.pk}-{pathway}-{n}",
                    password="!",
                    first_name="Specialist",
                    last_name=f"{locality.pk}-{n}",
                    role=Role.SPECIALIST,
                    pathway=pathway,
                    locality=locality,
                    mi_trained_on=(
                        between(rng, datetime.date(2019, 6, 1), datetime.date(2024, 6, 30))
                        if rng.random() < 0.6
                        else None
                    ),
                )
                users.append(specialist)
                specialists.setdefault((locality.pk, pathway), []).append(specialist)
    save(User, users)
    return workers, specialists


def episodes_of(
    rng: random.Random, opened: datetime.date, closed: datetime.date | None
) -> list[tuple[str, datetime.date, datetime.date | None]]:
    """1-4 spells on the ladder, none overlapping, around the family's time open."""
    count = weighted(rng, [(1, 30), (2, 32), (3, 24), (4, 14)])
    if rng.random() < 0.25:  # already known to the council when the family opened
        start = opened - datetime.timedelta(days=rng.randint(1, 400))
    else:
        start = opened + datetime.timedelta(days=rng.randint(0, 45))
    status = weighted(rng, FIRST_STATUS)
    spells = []
    for _ in range(count):
        low, high = LENGTH[status]
        end = start + datetime.timedelta(days=rng.randint(low, high))
        spells.append([status, start, end])
        status, when, _weight = rng.choices(AFTER[status], [w for *_, w in AFTER[status]])[0]
        start = end + (DAY if when == "next" else datetime.timedelta(days=rng.randint(30, 700)))
    if closed is not None:
        # Work stops when the case closes; now and then a child comes back within the year.
        kept = []
        for spell in spells:
            if spell[1] > closed:
                break
            spell[2] = min(spell[2], closed)
            kept.append(spell)
        spells = kept or spells[:1]
        if rng.random() < 0.12:
            back = max(closed, spells[-1][2]) + datetime.timedelta(days=rng.randint(14, 500))
            low, high = LENGTH[CIN]
            spells.append(
                [
                    rng.choice([EH, CIN, CIN, CP]),
                    back,
                    back + datetime.timedelta(rng.randint(low, high)),
                ]
            )
    elif rng.random() < 0.55:
        spells[-1][2] = None  # still on the ladder
    result = []
    for status, start, end in spells:
        if start > HORIZON:
            break
        if end is not None and end > HORIZON:
            end = None
        result.append((status, start, end))
        if end is None:
            break
    return result


def build(children: int) -> None:
    rng = random.Random(SEED)
    localities = save(
        Locality, [Locality(name=name, child_population=count) for name, count in LOCALITIES]
    )
    training = (
        Team._meta.get_field("fathers_training_on")
        if hasattr(Team, "fathers_training_on")
        else None
    )
    teams = []
    for locality in localities:
        for kind in TEAM_KINDS:
            team = Team(locality=locality, name=f"{locality.name} {kind}")
            if training is not None and rng.random() < 0.66:
                team.fathers_training_on = between(
                    rng, datetime.date(2021, 1, 1), datetime.date(2023, 12, 31)
                )
            teams.append(team)
    save(Team, teams)
    workers, specialists = staff(rng, teams, localities)
    pathways = {pathway.code: pathway for pathway in Pathway.objects.all()}

    # Families, each with how many children it will have.
    families: list[Family] = []
    sizes: list[int] = []
    remaining = children
    span = (datetime.date(2024, 12, 31) - FIRST_OPENED).days
    while remaining > 0:
        size = min(
            remaining,
            rng.choice([1, 1, 2, 2, 2, 3, 3]) if rng.random() < 0.9 else rng.randint(1, 3),
        )
        remaining -= size
        team = rng.choice(teams)
        opened = FIRST_OPENED + datetime.timedelta(days=rng.randint(0, span))
        closed = None
        if rng.random() < 0.34:
            closed = opened + datetime.timedelta(days=rng.randint(30, 900))
            if closed > HORIZON:
                closed = None
        number = len(families) + 1
        families.append(
            Family(
                reference=f"FAM-{number:06d}",
                locality_id=team.locality_id,
                team=team,
                social_worker=rng.choice(workers[team.pk]),
                cohort=rng.choice(COHORTS) if rng.random() < 0.9 else "",
                opened_on=opened,
                closed_on=closed,
                closure_reason="Stepped down" if closed else "",
            )
        )
        sizes.append(size)
    save(Family, families)

    # Adults first, so each child can name its father. A person's role belongs to their
    # membership; `roles` keeps each adult's, by position, for the referrals below.
    adults: list[Person] = []
    roles: list[str] = []
    family_adults: list[list[int]] = []  # positions in adults
    for family in families:
        kinds = weighted(
            rng,
            [
                ((Membership.Role.MOTHER, Membership.Role.FATHER), 42),
                ((Membership.Role.MOTHER, Membership.Role.FATHER_FIGURE), 6),
                ((Membership.Role.MOTHER,), 40),
                ((Membership.Role.FATHER,), 12),
            ],
        )
        mine = []
        for role in kinds:
            male = role != Membership.Role.MOTHER
            mine.append(len(adults))
            roles.append(role)
            adults.append(
                Person(
                    reference=f"PER-A{len(adults) + 1:07d}",
                    given_name="Adam" if male else "Eve",
                    family_name=f"Family{family.reference[4:]}",
                    date_of_birth=between(
                        rng, datetime.date(1970, 1, 1), datetime.date(2004, 12, 31)
                    ),
                    sex=Person.Sex.MALE if male else Person.Sex.FEMALE,
                    ethnicity=weighted(rng, ETHNICITIES),
                    care_experienced=rng.random() < 0.15,
                )
            )
        family_adults.append(mine)
    save(Person, adults)
    memberships = [
        Membership(person=adults[index], family=family, role=roles[index])
        for family, mine in zip(families, family_adults, strict=True)
        for index in mine
    ]
    # About 4% of fathers belong to a second household too, and are referred from either.
    for index, role in enumerate(roles):
        if role == Membership.Role.FATHER and rng.random() < 0.04:
            other = rng.randrange(len(families))
            if index in family_adults[other]:
                continue
            memberships.append(
                Membership(
                    person=adults[index],
                    family=families[other],
                    role=role,
                    joined_on=families[other].opened_on
                    + datetime.timedelta(days=rng.randint(0, 90)),
                )
            )
            family_adults[other].append(index)

    kids: list[Person] = []
    kid_families: list[Family] = []
    links: list[Relationship] = []
    for family, size, mine in zip(families, sizes, family_adults, strict=True):
        father = next(
            (adults[index] for index in mine if roles[index] != Membership.Role.MOTHER), None
        )
        for _ in range(size):
            born = between(
                rng,
                family.opened_on - datetime.timedelta(days=17 * 365),
                family.opened_on + datetime.timedelta(days=200),
            )
            kid = Person(
                reference=f"PER-C{len(kids) + 1:07d}",
                given_name="Child",
                family_name=f"Family{family.reference[4:]}",
                date_of_birth=born,
                sex=rng.choice([Person.Sex.FEMALE, Person.Sex.MALE]),
                ethnicity=weighted(rng, ETHNICITIES),
                disability=weighted(
                    rng,
                    [
                        (Person.Disability.NO, 80),
                        (Person.Disability.YES, 8),
                        (Person.Disability.UNKNOWN, 12),
                    ],
                ),
            )
            kids.append(kid)
            kid_families.append(family)
            if father is not None and rng.random() < 0.85:
                links.append(
                    Relationship(
                        person=father,
                        relative=kid,
                        kind=Relationship.Kind.PARENT,
                        parent_type=Relationship.ParentType.BIRTH,
                    )
                )
    save(Person, kids)
    for kid, family in zip(kids, kid_families, strict=True):
        # Born after the family opened: a member from birth. About 5% leave before its end.
        joined = kid.date_of_birth if kid.date_of_birth > family.opened_on else None
        left = None
        if rng.random() < 0.05:
            last = min(family.closed_on or HORIZON, HORIZON)
            left = between(rng, joined or family.opened_on, last)
        memberships.append(
            Membership(
                person=kid,
                family=family,
                role=Membership.Role.CHILD,
                joined_on=joined,
                left_on=left,
            )
        )
    save(Membership, memberships)
    save(Relationship, links)

    episodes = []
    for child, family in zip(kids, kid_families, strict=True):
        for status, start, end in episodes_of(rng, family.opened_on, family.closed_on):
            episodes.append(
                StatusEpisode(child=child, status=status, start_date=start, end_date=end)
            )
            if len(episodes) >= BATCH * 10:
                save(StatusEpisode, episodes)
                episodes.clear()
    save(StatusEpisode, episodes)

    # Referrals of adults: about 0.6 a child, over the family's time open.
    referrals: list[ReferralModel] = []
    changes: list[EngagementChange] = []
    wanted = round(children * 0.6)
    codes = list(PATHWAY_WEIGHTS)
    while len(referrals) < wanted:
        index = rng.randrange(len(families))
        family = families[index]
        position = rng.choice(family_adults[index])
        adult = adults[position]
        column = 0 if roles[position] == Membership.Role.MOTHER else 1
        code = rng.choices(codes, [PATHWAY_WEIGHTS[code][column] for code in codes])[0]
        last = min(family.closed_on or HORIZON, HORIZON)
        referred = between(
            rng, family.opened_on, min(last, family.opened_on + datetime.timedelta(days=500))
        )
        engagement = weighted(rng, ENGAGEMENT)
        allocated = practitioner = closed = None
        if rng.random() < 0.82:
            allocated = referred + datetime.timedelta(days=int(rng.expovariate(1 / 24)))
            if allocated > HORIZON:
                allocated = None
            else:
                practitioner = rng.choice(specialists[(family.locality_id, code)])
        if rng.random() < 0.55:
            closed = (allocated or referred) + datetime.timedelta(days=rng.randint(20, 420))
            if closed > HORIZON:
                closed = None
        if engagement == Engagement.NEW and allocated and closed:
            engagement = Engagement.NOT_ENGAGED
        known = weighted(rng, [(True, 35), (False, 45), (None, 20)])
        referral = ReferralModel(
            reference=f"REF-{len(referrals) + 1:07d}",
            person=adult,
            family=family,
            pathway=pathways[code],
            referred_on=referred,
            referred_by=family.social_worker,
            engagement=engagement,
            practitioner=practitioner,
            allocated_on=allocated,
            closed_on=closed,
            previously_known=known,
            rag=weighted(rng, [(Rag.RED, 20), (Rag.AMBER, 55), (Rag.GREEN, 25)]),
            closure_code=(
                weighted(
                    rng,
                    [
                        (ClosureReason.COMPLETED, 55),
                        (ClosureReason.DISENGAGED, 20),
                        (ClosureReason.DECLINED, 10),
                        (ClosureReason.MOVED_AWAY, 8),
                        (ClosureReason.OTHER, 7),
                    ],
                )
                if closed
                else ""
            ),
        )
        referrals.append(referral)
    save(ReferralModel, referrals)
    for referral in referrals:
        if rng.random() >= 0.5:
            continue
        changes.append(
            EngagementChange(
                referral=referral, engagement=Engagement.NEW, changed_on=referral.referred_on
            )
        )
        if referral.engagement != Engagement.NEW:
            if rng.random() < 0.25:  # wavered before settling
                middle = rng.choice([Engagement.INCONSISTENT, Engagement.ENGAGED])
                if middle != referral.engagement:
                    changes.append(
                        EngagementChange(
                            referral=referral,
                            engagement=middle,
                            changed_on=referral.referred_on
                            + datetime.timedelta(days=rng.randint(7, 40)),
                        )
                    )
            changes.append(
                EngagementChange(
                    referral=referral,
                    engagement=referral.engagement,
                    changed_on=referral.referred_on + datetime.timedelta(days=rng.randint(41, 150)),
                )
            )
    save(EngagementChange, changes)


def counts() -> dict[str, int]:
    return {
        "localities": Locality.objects.count(),
        "teams": Team.objects.count(),
        "staff": User.objects.count(),
        "families": Family.objects.count(),
        "families closed": Family.objects.filter(closed_on__isnull=False).count(),
        "children": Membership.objects.children().count(),
        "adults": Person.objects.exclude(memberships__role=Membership.Role.CHILD).count(),
        "memberships": Membership.objects.count(),
        "children joined later": Membership.objects.children()
        .filter(joined_on__isnull=False)
        .count(),
        "children who left": Membership.objects.children().filter(left_on__isnull=False).count(),
        "adults in two households": Membership.objects.exclude(role=Membership.Role.CHILD)
        .values("person")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "status episodes": StatusEpisode.objects.count(),
        "referrals": ReferralModel.objects.count(),
        "engagement changes": EngagementChange.objects.count(),
    }


def scan_sql(name: str, pathway: str | None = None) -> str | None:
    """The plain statement for a report, or a count(*) of its main table, or None."""
    if name in SCANS:
        return SCANS[name].format(referrals=DMT_ONLY if pathway == "dmt" else "")
    tables = connection.introspection.table_names()
    table = MAIN_TABLES.get(name)
    if table is None:
        guesses = [candidate for candidate in tables if name in candidate]
        table = guesses[0] if len(guesses) == 1 else None
    if table is None or table not in tables:
        return None
    return f"SELECT count(*) FROM {table}"


def timed(runs: int, call) -> tuple[list[float], int, object]:
    """One run that counts the queries, then `runs` timed ones (ms)."""
    with CaptureQueriesContext(connection) as queries:
        result = call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times, len(queries), result


def run_sql(sql: str):
    def call() -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    return call


def measure(runs: int, label: str, call, sql: str | None) -> tuple[str, object]:
    """One line of the table, and the report's result (or None if it failed)."""
    try:
        times, queries, result = timed(runs, call)
    except Exception as error:  # a report still being written: say so and go on
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return f"{label:<28} failed: {type(error).__name__}: {first}"[:200], None
    median = statistics.median(times)
    if sql is None:
        scan, ratio = "no scan defined", ""
    else:
        scan_times, _, _ = timed(runs, run_sql(sql))
        scan_median = statistics.median(scan_times)
        scan = f"{scan_median:9.1f}"
        # Against a scan of next to nothing (an empty table) a ratio says nothing.
        ratio = f"{median / scan_median:7.1f}" if scan_median >= 1 else "-"
    return (
        f"{label:<28} {median:9.1f} {min(times):9.1f} {queries:7d} {scan:>9} {ratio:>7}",
        result,
    )


def prepare(args: argparse.Namespace) -> tuple[str, str]:
    """The test database, filled: (the name to restore, what was done)."""
    old_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=args.keep
    )
    if args.keep:
        children = Membership.objects.children().count()
        whole = ReferralModel.objects.exists() and StatusEpisode.objects.exists()
        if children == args.children and whole:
            return old_name, f"reused {connection.settings_dict['NAME']} (--keep)"
        if children or Family.objects.exists():
            connection.creation.destroy_test_db(old_name, verbosity=0)
            old_name = connection.creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False
            )
    began = time.perf_counter()
    with transaction.atomic():
        build(args.children)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return old_name, f"generated in {time.perf_counter() - began:.1f} s (bulk_create, ANALYZE)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--keep", action="store_true", help="keep the test database and reuse it next time"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print(
            "bench/outcome_reports.py needs PostgreSQL: set DATABASE_URL, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/dmt_bench",
            file=sys.stderr,
        )
        sys.exit(2)

    setup_test_environment()
    old_name, how = prepare(args)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(f"Database: PostgreSQL {version}, {connection.settings_dict['NAME']}; {how}")
        print(", ".join(f"{count:,} {what}" for what, count in counts().items()))
        run_reports(args.runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keep)
        teardown_test_environment()


def run_reports(runs: int) -> None:
    try:
        import outcomes.reports as reports
    except ImportError as error:
        print(f"No reports to time: outcomes.reports cannot be imported ({error}).")
        return
    spec_reports = getattr(
        reports, "SPEC_REPORTS", ("engagement", "step_down", "child_status", "pathways")
    )
    params = reports.ReportParameters(as_of=AS_OF)
    pilot = reports.ReportParameters(as_of=AS_OF, pathway="dmt")
    print(
        f"\nReports as of {AS_OF}: median and min of {runs} runs after one that counts queries;"
        " scan = one plain SQL statement reading the same tables; ratio = median / scan"
    )
    print(
        f"{'report':<28} {'median ms':>9} {'min ms':>9} {'queries':>7} {'scan ms':>9} {'ratio':>7}"
    )
    results = {}
    for name in reports.REPORTS:
        line, result = measure(
            runs, name, lambda name=name: reports.compute(name, params), scan_sql(name)
        )
        print(line, flush=True)
        results[name] = result
    for name in spec_reports:
        line, _ = measure(
            runs,
            f"{name} by locality",
            lambda name=name: reports.compute(name, params, by="locality"),
            scan_sql(name),
        )
        print(line, flush=True)
    for name in ("engagement", "step_down"):
        line, _ = measure(
            runs,
            f"{name} pathway=dmt",
            lambda name=name: reports.compute(name, pilot),
            scan_sql(name, "dmt"),
        )
        print(line, flush=True)
    print(f"\nFigures as of {AS_OF}:")
    for name in spec_reports:
        if results.get(name) is not None:
            print(f"{name}: {json.dumps(results[name]['data'], separators=(',', ':'))}")


if __name__ == "__main__":
    main()
