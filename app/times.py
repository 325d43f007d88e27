"""Every time a person or a file reads is written here, in one zone, with that zone said.

Times are stored in UTC (app.models.types.UTCDateTime); they are shown in a branch's zone (Branch.timezone),
labelled with the zone's abbreviation ("14:05 CET") or, in files, as ISO 8601 with the zone's offset
("2026-11-23T10:00:00+01:00"). Which zone a page uses is the web's choice (app.web.times); this module only
formats, so that a later switch to the viewer's locale (Babel) changes this one place.
"""
from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# style -> strftime pattern; every style ends in the zone's label
STYLES = {
    "time": "%H:%M",              # 14:05 CET
    "seconds": "%H:%M:%S",        # 14:05:09 CET
    "short": "%d.%m %H:%M",       # 23.11 14:05 CET
    "long": "%d.%m.%Y %H:%M",     # 23.11.2026 14:05 CET
    "stamp": "%Y-%m-%d %H:%M:%S",  # 2026-11-23 14:05:09 CET
}


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone(where) -> tzinfo:
    """The zone of `where`: a Branch (or anything with .timezone), a zone name, or a tzinfo.
    An unknown or missing zone is UTC, which every label then says, so no time is shown in a zone
    it does not name."""
    if isinstance(where, tzinfo):
        return where
    name = getattr(where, "timezone", where)
    return _zone(name) if isinstance(name, str) and name else UTC


def local(moment: datetime | None, where) -> datetime | None:
    """The same instant in the zone of `where` (a naive value is taken as UTC, as stored)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(where))


def label(moment: datetime, where) -> str:
    """The zone's name at that instant: CET or CEST for Europe/Oslo, UTC, or an offset (+03) for a zone
    without an abbreviation."""
    shown = local(moment, where)
    return shown.strftime("%Z") or shown.strftime("%z")


def when(moment: datetime | None, where, style: str = "short") -> str:
    """`moment` in the zone of `where`, labelled: when(t, oslo, "time") == "14:05 CET"; "" for None.
    Raises KeyError for a style not in STYLES."""
    if moment is None:
        return ""
    shown = local(moment, where)
    return f"{shown.strftime(STYLES[style])} {label(shown, where)}"


def iso(moment: datetime | None, where=UTC) -> str | None:
    """ISO 8601 with the zone's offset, for files and machines: '2026-11-23T10:00:00+01:00' (UTC ends in Z);
    the stored precision is kept. None for None."""
    if moment is None:
        return None
    text = local(moment, where).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
