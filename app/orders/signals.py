"""Signals the domain sends, so channels (notifications) can react without the domain knowing them."""
from blinker import Namespace

_signals = Namespace()

# sent with sender=order, kwargs: from_status, to_status, by, now, reason, action
status_changed = _signals.signal("status-changed")
# sent with sender=order after an edit of a saved order, kwargs: changes ([{field, before, after}]), by, now,
# event_id (the order event that records the edit)
order_edited = _signals.signal("order-edited")
