"""docs/permissions.md: who may open each page and take each action, as the code applies it.

The document is written from a walk of every URL as every member of the world's cast, so it
cannot drift from the code: tests/security/test_walk.py fails when the two differ, and
`make permissions` writes it again (then read the diff: it is the change of rules).
"""

from collections import defaultdict
from pathlib import Path

from .walk import Visit
from .world import CAST, DESCRIPTIONS

PATH = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ANONYMOUS = "(nobody)"
AREAS = [
    ("Home, sign-in and the audit trail", ("home", "healthz", "accounts:")),
    ("Case records", ("families:",)),
    ("Specialist pathways", ("referrals:",)),
    ("The partner API", ("api-",)),
    ("Group supervision", ("supervision:", "supervision_feed:")),
    ("Outcomes", ("outcomes:",)),
]

HEADER = """# Who may do what

<!-- Written by `make permissions` from a walk of the site (tests/security). Do not edit by
hand: tests/security/test_walk.py fails when this file and the code disagree. -->

Every page and action of DMT, tried by each member of a small test council (the "world" of
`tests/security/world.py`: one domestic-abuse case, SEC-1, with its specialists, a second
case of the same team, SEC-2, and one of another locality, SEC-9) and by someone not signed
in. Pages were opened with a GET; actions that take only a POST (marked so) were sent an empty
form, which shows whether the person may act there without changing anything.

| mark | meaning |
| --- | --- |
| ✓ | may open it or act there |
| ✗ | refused (403) |
| · | not found for them (404): the record's existence is not revealed |
| sign in | sent to sign in first |
| 401 | the API asks for credentials (a bearer token) |
| 400 | the empty form was refused as it stands, whoever sent it (no record involved) |

What a page then shows depends on the role: restricted contact details, for instance, follow
the allowlist in `families/disclosure.py` (see the README's Security section).

## The cast

| who | role and relation to the records |
| --- | --- |
"""


def render(walks: dict[str, list[Visit]]) -> str:
    columns = [username for username, _role, _extra in CAST] + [ANONYMOUS]
    cells: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    posted: set[str] = set()
    for username in columns:
        for visit in walks[username]:
            cells[(visit.name, visit.label)][username] = visit.outcome
            if visit.method == "POST":
                posted.add(visit.name)
    lines = [HEADER.rstrip("\n")]
    lines += [f"| {name} | {DESCRIPTIONS[name]} |" for name, _role, _extra in CAST]
    lines.append(f"| {ANONYMOUS} | not signed in |")
    for title, prefixes in AREAS:
        rows = sorted(key for key in cells if key[0].startswith(prefixes))
        lines += ["", f"## {title}", ""]
        lines.append("| page or action | record | " + " | ".join(columns) + " |")
        lines.append("| --- | --- | " + " | ".join(":-:" for _ in columns) + " |")
        for name, label in rows:
            marks = cells[(name, label)]
            what = f"`{name}`" + (" (POST)" if name in posted else "")
            lines.append(
                f"| {what} | {label} | " + " | ".join(marks.get(c, "") for c in columns) + " |"
            )
    return "\n".join(lines) + "\n"
