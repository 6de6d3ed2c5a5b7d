"""The district's time-bound campaigns and their phases, e.g. Futian's 2022 concentrated rectification
campaign (全面集中整治): self-inspection, cross-inspection, concentrated rectification and supervision,
deepening, summary report. They are reference facts of a district (``districts/<id>/campaigns.csv``), read
for the periods they overlap, so a campaign shows in its own year and nowhere else.

The phases' names are the district's; the bundled dates are the sample's reading of the campaign's
course (the published account names the phases only), to be replaced by a deployment's own.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from data_access.district import BUNDLED


@dataclass(frozen=True)
class Phase:
    campaign: str
    phase: str
    name_zh: str
    name_en: str
    starts: date
    ends: date  # its last day

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


@cache
def district_phases(district_id: str, directory: Path = BUNDLED) -> tuple[Phase, ...]:
    """Every phase of the district's campaigns, in order; none for a district without a campaigns file."""
    path = directory / district_id / "campaigns.csv"
    if not district_id or not path.is_file():
        return ()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    phases = [Phase(r["campaign"], r["phase"], r["name_zh"], r["name_en"], date.fromisoformat(r["starts"]),
                    date.fromisoformat(r["ends"])) for r in rows]
    for phase in phases:
        if phase.ends < phase.starts:
            raise ValueError(f"{path}: phase {phase.phase} ends before it starts")
    return tuple(sorted(phases, key=lambda p: p.starts))


def phases_in(district_id: str | None, start: date, end: date, as_of: date,
              directory: Path = BUNDLED) -> list[Phase]:
    """The phases overlapping [start, end) that had begun by ``as_of``."""
    return [p for p in district_phases(district_id or "", directory)
            if p.starts < end and p.ends >= start and p.starts <= as_of]
