"""The use cases. Case actions go through one checked entry point, `perform` (or `act`); the
other use cases (intake, clocks' recompute, the sweep) are functions of their own.

`from cases import service as case_service; case_service.perform(session, ctx, case_id, Action.ASSIGN, 3, {...})`
Importing this package registers every action's use case (`@handles`) with `perform`.
"""

from cases.service import clocks, delivery, inspection, intake, procedure, sanctions  # noqa: F401  (register the use cases)
from cases.service._common import Ctx
from cases.service.clocks import recompute_provisional_deadlines
from cases.service.intake import ComplaintIn, IntakeResult, receive_complaint
from cases.service.intake_batch import IntakeReport, import_complaints
from cases.service.patrol_visits import VisitIn, VisitRecorded, record_visit
from cases.service.perform import Performed, act, handles, perform
from cases.service.sweep import SweepResult, sweep_deadlines

__all__ = [
    "ComplaintIn", "Ctx", "IntakeReport", "IntakeResult", "Performed", "SweepResult", "act", "handles",
    "import_complaints", "perform", "receive_complaint", "recompute_provisional_deadlines", "sweep_deadlines",
    "VisitIn", "VisitRecorded", "record_visit",
]

from cases.service.register import (  # noqa: E402 — added after the case use cases
    ImportResult,
    create_institution,
    delete_institution,
    import_institutions,
    update_institution,
)

__all__ += ["ImportResult", "create_institution", "delete_institution", "import_institutions", "update_institution"]
