"""The use cases: one function each, one transaction each, ending in `session.commit()`.

Split by group (intake, field work, sanctions, clocks); import from here:
`from cases import service as case_service; case_service.assign_case(session, ctx, …)`.
"""

from cases.service._common import Ctx
from cases.service.clocks import pause_clock, recompute_provisional_deadlines, resume_clock
from cases.service.inspection import (
    assign_case,
    close_no_violation,
    issue_rectification,
    record_inspection,
    record_reinspection,
    record_service,
)
from cases.service.intake import ComplaintIn, IntakeResult, dismiss_case, receive_complaint
from cases.service.intake_batch import IntakeReport, import_complaints
from cases.service.sanctions import (
    close_penalty,
    close_statement_window,
    collective_discussion,
    decide,
    hold_hearing,
    issue_penalty_notice,
    legal_review,
    open_penalty,
    publish,
    record_execution,
)
from cases.service.sweep import SweepResult, sweep_deadlines

__all__ = [
    "ComplaintIn", "Ctx", "IntakeResult", "assign_case", "close_no_violation", "close_penalty",
    "close_statement_window", "collective_discussion", "decide", "dismiss_case", "hold_hearing",
    "issue_penalty_notice", "issue_rectification", "legal_review", "open_penalty", "pause_clock", "publish",
    "recompute_provisional_deadlines", "receive_complaint", "record_execution", "record_inspection",
    "record_reinspection", "record_service", "resume_clock", "SweepResult", "sweep_deadlines",
    "IntakeReport", "import_complaints",
]

from cases.service.register import (  # noqa: E402 — added after the case use cases
    ImportResult,
    create_institution,
    delete_institution,
    import_institutions,
    update_institution,
)

__all__ += ["ImportResult", "create_institution", "delete_institution", "import_institutions", "update_institution"]
