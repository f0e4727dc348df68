"""Writes to callbacks, one module per concern. Views, admin actions and Celery tasks call these."""

from .agents import (
    STAFF_STATUSES,
    AgentNotYours,
    AgentUnavailable,
    NotYourCallback,
    StaffMayNotSetStatus,
    agent_set_status,
    agent_set_status_by_staff,
    callback_record_outcome,
    callback_release,
    callback_start,
)
from .beat import (
    callbacks_expire_overdue,
    callbacks_purge_personal_data,
    callbacks_release_due,
    callbacks_requeue_timed_out,
    troubleshooting_records_purge,
)
from .booking import (
    Answer,
    DuplicateCallback,
    callback_cancel,
    callback_create,
    callback_create_idempotent,
    callback_reschedule,
    callbacks_bulk_cancel,
    hash_token,
)
from .idempotency import Idempotency, IdempotencyKeyReused, idempotency_body_hash, idempotency_token, idempotent_answer
from .staff import callback_assign_to, callback_requeue, callback_staff_actions

__all__ = [
    "STAFF_STATUSES",
    "AgentNotYours",
    "AgentUnavailable",
    "Answer",
    "DuplicateCallback",
    "Idempotency",
    "IdempotencyKeyReused",
    "NotYourCallback",
    "StaffMayNotSetStatus",
    "agent_set_status",
    "agent_set_status_by_staff",
    "callback_assign_to",
    "callback_cancel",
    "callback_create",
    "callback_create_idempotent",
    "callback_record_outcome",
    "callback_release",
    "callback_requeue",
    "callback_reschedule",
    "callback_staff_actions",
    "callback_start",
    "callbacks_bulk_cancel",
    "callbacks_expire_overdue",
    "callbacks_purge_personal_data",
    "callbacks_release_due",
    "callbacks_requeue_timed_out",
    "hash_token",
    "idempotency_body_hash",
    "idempotency_token",
    "idempotent_answer",
    "troubleshooting_records_purge",
]
