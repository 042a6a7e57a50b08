"""Every read model the service keeps (the projector runs them; rebuild names them)."""

from __future__ import annotations

from projections.action_item_status import ActionItems
from projections.career_growth import CareerGrowth
from projections.case_status import CaseStatus
from projections.commitment_ledger import CommitmentLedger
from projections.roster_people import RosterPeople
from projections.runner import ReadModel
from projections.tasks import Tasks


def read_models() -> list[ReadModel]:
    return [
        CaseStatus(),
        ActionItems(),
        RosterPeople(),
        CommitmentLedger(),
        Tasks(),
        CareerGrowth(),
    ]
