"""Which status changes a workshop hears about. (Filled in by the notifications work.)"""


def connect() -> None:
    return None
