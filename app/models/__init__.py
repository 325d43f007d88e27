"""All models, importable from one place."""
from app.models.core import (  # noqa: F401
    CHANNELS,
    OPEN_STATUSES,
    ROLES,
    STATUSES,
    AuditEvent,
    Branch,
    Order,
    OrderEvent,
    OrderLine,
    Staff,
    Workshop,
    WorkshopEmail,
    WorkshopPhone,
    open_filter,
)
from app.models.auth import LoginAttempt  # noqa: F401
from app.models.backup import BackupOutcome, BackupRun  # noqa: F401
from app.models.changes import QueueVersion  # noqa: F401
from app.models.corrections import Correction  # noqa: F401
from app.models.handback import ExportBatch  # noqa: F401
from app.models.intake import CatalogueItem, InboundMessage, Mailbox  # noqa: F401
from app.models.notify import OutboxMessage  # noqa: F401
from app.models.phone import Call  # noqa: F401
from app.models.types import UTCDateTime, utcnow  # noqa: F401
