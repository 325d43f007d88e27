"""Every time a person or a file reads is written here, in one zone, with that zone said.

Times are stored in UTC (app.models.types.UTCDateTime); they are shown in a branch's zone (Branch.timezone),
labelled with the zone's abbreviation ("14:05 CET") or, in files, as ISO 8601 with the zone's offset
("2026-11-23T10:00:00+01:00"). Which zone a page uses is the web's choice (app.web.times); this module only
formats: in the page's locale through Babel, or, for files and mail without one, in fixed patterns.
"""
from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# style -> strftime pattern, for a time written without a locale (files, mail to a backup supplier); every
# style ends in the zone's label
STYLES = {
    "time": "%H:%M",              # 14:05 CET
    "seconds": "%H:%M:%S",        # 14:05:09 CET
    "short": "%d.%m %H:%M",       # 23.11 14:05 CET
    "long": "%d.%m.%Y %H:%M",     # 23.11.2026 14:05 CET
    "stamp": "%Y-%m-%d %H:%M:%S",  # 2026-11-23 14:05:09 CET
}


def _babel(shown: datetime, style: str, locale: str) -> str:
    """`shown` in the formats of `locale` (Babel's CLDR data): sv 23/11 14:05, de 23.11. 14:05, fi 23.11. 14.05."""
    from babel import dates

    where = _format_locale(locale)
    if style == "stamp":
        return shown.strftime(STYLES["stamp"])  # sortable, the same for every reader
    clock = dates.format_time(shown, "medium" if style == "seconds" else "short", locale=where)
    if style in ("time", "seconds"):
        return clock
    day = dates.format_datetime(shown, _skeleton_pattern("yMd" if style == "long" else "dM", where), locale=where)
    return f"{day} {clock}"


@lru_cache(maxsize=32)
def _format_locale(locale: str):
    """app.locales.format_locale, parsed once per page locale rather than once per time shown."""
    from app.locales import format_locale

    return format_locale(locale)


@lru_cache(maxsize=64)
def _skeleton_pattern(skeleton: str, locale) -> str:
    """The locale's pattern for a CLDR skeleton, as babel.dates.format_skeleton finds it; found once per
    locale, since the fuzzy match walks every skeleton of the locale (half a millisecond, per time shown)."""
    from babel import dates

    skeletons = locale.datetime_skeletons
    if skeleton not in skeletons:
        skeleton = dates.match_skeleton(skeleton, skeletons) or skeleton
    return skeletons[skeleton]


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


def when(moment: datetime | None, where, style: str = "short", locale: str | None = None) -> str:
    """`moment` in the zone of `where`, labelled: when(t, oslo, "time") == "14:05 CET"; "" for None. With a
    `locale` (a page's), in that locale's formats: when(t, stockholm, "short", "sv") == "23/11 14:05 CET".
    Raises KeyError for a style not in STYLES."""
    if moment is None:
        return ""
    return _when(moment, zone(where), style, locale)


@lru_cache(maxsize=4096)
def _when(moment: datetime, where: tzinfo, style: str, locale: str | None) -> str:
    """when() in a zone: a function of its arguments alone, so kept, since a page polled again (the queue)
    shows the same times again. A key's moment is equal for the same instant whatever its tzinfo, and
    `where` is part of the key, so a hit is always the text for that instant in that zone."""
    shown = local(moment, where)
    text = shown.strftime(STYLES[style]) if locale is None else _babel(shown, style, locale)
    return f"{text} {label(shown, where)}"


def iso(moment: datetime | None, where=UTC) -> str | None:
    """ISO 8601 with the zone's offset, for files and machines: '2026-11-23T10:00:00+01:00' (UTC ends in Z);
    the stored precision is kept. None for None."""
    if moment is None:
        return None
    text = local(moment, where).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
