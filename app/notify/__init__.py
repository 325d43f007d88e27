"""Outbound email and SMS to workshops, all through one outbox table."""


def init_app(app) -> None:
    """Connect the notification rules to the domain's signals. Idempotent."""
    from app.handback import redirect
    from app.notify import rules

    rules.connect()
    redirect.connect()  # orders redirected by policy get the backup supplier's email too
