"""CareerFlow: the application service, one part per job over shared storage.

It loads aggregates, lets them decide, and saves what they decided in one
transaction. It never reads a clock: every command takes the acting person and
the occurred-at time. Persistence is chosen by the environment it is given
(the composition root passes eventsourcing's postgres settings).
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper

from application.absence_records import Absences
from application.command_path import CommandPath
from application.cycle_runs import DEFAULT_BATCH_SIZE, CycleRuns
from application.erasure import PersonalDataErasure
from application.history import HistoryQueries
from application.new_hires import NewHires
from application.personal_data import KEKS, DataKeys, MemoryDataKeys
from application.provisioning import Provisioning
from application.transcoding import TypedMapper, register_value_transcodings

__all__ = ["DEFAULT_BATCH_SIZE", "CareerFlow"]


class CareerFlow(
    HistoryQueries, Provisioning, Absences, CommandPath, NewHires, CycleRuns, PersonalDataErasure
):
    """careerflow's event-sourced application."""

    name = "careerflow"
    env = {
        "AGGREGATE_CACHE_MAXSIZE": "2000",
    }

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        keys = getattr(self.recorder, "data_keys", None)
        if keys is None:  # eventsourcing's in-memory store (unit tests)
            self.data_keys: DataKeys = MemoryDataKeys()
        else:
            keks = self.env.get(KEKS)
            if not keks:
                raise ValueError(f"{KEKS} is not set: the key-encryption keys (CAREERFLOW_KEK)")
            self.data_keys = keys(keks)
        if isinstance(self.mapper, TypedMapper):  # (a test writing the older formats has not)
            self.mapper.data_keys = self.data_keys

    def construct_mapper(self) -> Mapper[UUID]:
        """Rows in the typed format (``TypedMapper``); the tagged ones still read."""
        return TypedMapper(self.construct_transcoder())

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)
