"""The demo company's career framework: two tracks, three levels, five competencies.

Also where the demo roster gets its ``track`` and ``level`` columns, so ``make run``
shows ratings, a target and a gap at once.
"""

from __future__ import annotations

import csv
import io

COMPETENCIES = {
    "Craft": (
        "Delivers well-scoped tasks with guidance",
        "Owns features end to end with sound design",
        "Shapes the architecture of a whole system",
    ),
    "Delivery": (
        "Finishes what they start, asks early when stuck",
        "Plans their own work and meets commitments",
        "Plans the team's work across quarters",
    ),
    "Collaboration": (
        "Works well with their immediate team",
        "Builds good working ties with neighbouring teams",
        "Brings several teams to one decision",
    ),
    "Communication": (
        "Explains their work clearly to the team",
        "Writes designs others can review and follow",
        "Presents trade-offs to leadership",
    ),
    "Leadership": (
        "Helps newcomers find their way",
        "Mentors one or two engineers",
        "Grows the next senior people",
    ),
}
TRACKS = {
    "Engineering": ("Engineer I", "Engineer II", "Senior engineer"),
    "Sales": ("Account executive", "Senior account executive", "Sales lead"),
}
SALES_WORDS = {"Craft": "Knows the product", "Delivery": "Meets quota"}


def _expectation(track: str, competency: str, rank: int) -> str:
    text = COMPETENCIES[competency][rank]
    if track == "Sales" and competency in SALES_WORDS:
        scope = ("for their accounts", "for a region", "for the whole sales team")[rank]
        return f"{SALES_WORDS[competency]} {scope}"
    return text


def _framework_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("track", "level", "competency", "expectation"))
    for track, levels in TRACKS.items():
        for rank, level in enumerate(levels):
            for competency in COMPETENCIES:
                writer.writerow((track, level, competency, _expectation(track, competency, rank)))
    return out.getvalue()


DEMO_FRAMEWORK_CSV = _framework_csv()

DEMO_POSITIONS = {
    "grace": ("Engineering", "Senior engineer"),
    "ada": ("Engineering", "Engineer II"),
    "linus": ("Engineering", "Engineer I"),
    "alan": ("Engineering", "Senior engineer"),
    "katherine": ("Sales", "Sales lead"),
    "margaret": ("Sales", "Account executive"),
}


def with_positions(roster_csv: str) -> str:
    """The roster file with ``track`` and ``level`` columns from ``DEMO_POSITIONS``."""
    header, *rows = roster_csv.strip().splitlines()
    placed = [f"{header},track,level"]
    for row in rows:
        track, level = DEMO_POSITIONS.get(row.split(",", 1)[0], ("", ""))
        placed.append(f"{row},{track},{level}")
    return "\n".join(placed) + "\n"
