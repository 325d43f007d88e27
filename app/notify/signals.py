"""Signals the outbox worker sends, so a channel can do its periodic work in the same process without
notify knowing the channel (the handlers are connected in create_app)."""
from blinker import Namespace

_signals = Namespace()

# sent at the start of every round of `flask outbox send`, kwargs: now; a receiver returns a line to
# print, or None. A receiver that raises fails the round (the worker logs it and goes on with --loop).
round_started = _signals.signal("outbox-round-started")
