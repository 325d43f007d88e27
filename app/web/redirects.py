"""Where a redirect may send a person: a path on this site, judged the way a browser reads the URL.

The target is parsed by ada (the WHATWG URL parser that Node.js uses), so tabs and newlines are
dropped, backslashes count as slashes, leading control characters and spaces are stripped and dot
segments are resolved exactly as a browser does before it decides which host a URL names.
"""
from __future__ import annotations

from ada_url import URL

_BASE = "http://partdesk.invalid/"  # stands for this site; only the path, query and fragment are kept
_ORIGIN = URL(_BASE).origin


def local_path(target: str | None) -> str | None:
    """The path (with query and fragment) on this site that a browser would go to for `target`,
    re-serialised by the parser, or None when it would leave the site or is not a URL at all."""
    if not target or len(target) > 2000:
        return None
    try:
        url = URL(target, _BASE)
    except ValueError:
        return None
    if url.origin != _ORIGIN:
        return None
    path = url.pathname + url.search + url.hash
    # what is sent must stay here when read again: "/.//evil.example" resolves to the path
    # "//evil.example", which on its own names another host
    try:
        again = URL(path, _BASE)
    except ValueError:
        return None
    return path if again.href == url.href else None
