"""Completeness of the catalogues (issue 15): every marked string is translated in every language, with the
same blanks to fill in, the compiled catalogues are those of the .po files, and no template has
user-facing text left unmarked. Each check is shown to fail on a string added
unmarked or untranslated."""
from __future__ import annotations

import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

from app import locales

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
LANGUAGES = [code for code in locales.SUPPORTED if code != locales.DEFAULT]
# every template: each word a person reads in it is marked
MARKED_TEMPLATES = sorted(str(p.relative_to(ROOT / "templates")) for p in (ROOT / "templates").rglob("*.html"))


def extract(*folders: Path) -> Catalog:
    catalog = Catalog()
    for folder in folders:
        for filename, lineno, message, _comments, _context in extract_from_dir(
                folder, METHODS, keywords=KEYWORDS, options_map={"**.html": {"extensions": "jinja2.ext.i18n"}}):
            catalog.add(message, locations=[(str(folder / filename), lineno)])
    return catalog


def po_of(lang: str) -> Catalog:
    with (locales.TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _fields(text: str) -> set[str]:
    brace = {f for _, f, _, _ in string.Formatter().parse(text) if f} if "{" in text else set()
    return brace | set(re.findall(r"%\(\w+\)\w", text))


def gaps(marked: Catalog, po: Catalog) -> list[str]:
    """What a language's catalogue lacks of the marked strings: missing, empty or fuzzy translations, or a
    translation whose blanks ({ref}, %(min)s) are not the English text's."""
    out = []
    for message in marked:
        if not message.id:
            continue
        translated = po.get(message.id)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if translated is None or not translated.string or translated.fuzzy:
            out.append(f"untranslated: {ids[0]!r}")
            continue
        strings = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        if any(not s for s in strings):
            out.append(f"untranslated: {ids[0]!r}")
        elif any(_fields(s) != _fields(ids[0]) for s in strings):
            out.append(f"blanks differ: {ids[0]!r} -> {strings[0]!r}")
    return out


class _Text(HTMLParser):
    """The words of an HTML fragment a person reads: text, and the attributes a browser shows or reads out."""
    SHOWN = {"placeholder", "title", "aria-label", "alt", "label"}

    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        self.words += [v for k, v in attrs if k in self.SHOWN and v]

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.words.append(data)


EXPRESSION = "\u2063"  # invisible separator: a {{ }} in the literal text
LETTERS = re.compile(r"[^\W\d_]{2,}")
NOT_WORDS = {"Partdesk"}


def unmarked(source: str) -> list[str]:
    """The literal text of a template that a person reads and no _() wraps (expressions are not literal)."""
    pieces = []
    for _, kind, value in Environment(extensions=["jinja2.ext.i18n"]).lex(source):
        if kind == "data":
            pieces.append(value)
        elif kind == "variable_begin":
            pieces.append(EXPRESSION)  # stands where a value goes, so a tag split by one stays one tag
    data = "".join(pieces)
    data = re.sub(r"&\w+;|&#\d+;", " ", data)
    parser = _Text()
    parser.feed(data)
    names = re.compile(r"\b(?:%s)\b" % "|".join(NOT_WORDS))
    return [w.replace(EXPRESSION, "{{ }}").strip() for w in parser.words if LETTERS.search(_code_out(names.sub(" ", w)))]


def _code_out(text: str) -> str:
    """Without what a macro writes into a tag: attributes (` data-ev-for="{{ }}"`) and ids built on a value
    (`{{ field.id }}-errors`)."""
    text = re.sub(r'[\w:-]+="[^"]*"', " ", text)
    return re.sub(EXPRESSION + r"[\w-]*", " ", text)


@pytest.fixture(scope="module")
def marked() -> Catalog:
    return extract(ROOT / "app", ROOT / "templates")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_marked_string_is_translated_with_the_same_blanks(marked, lang):
    po = po_of(lang)
    assert len(marked) > 50
    assert gaps(marked, po) == [], f"{lang}: run pybabel extract/update (README) and translate these"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_is_the_po_file(lang):
    folder = locales.TRANSLATIONS_DIR / lang / "LC_MESSAGES"
    def entries(catalog):
        return {_key(m.id): _key(m.string) for m in catalog if m.id and not m.fuzzy}

    po = entries(po_of(lang))
    with (folder / "messages.mo").open("rb") as f:
        mo = entries(read_mo(f))
    assert mo == po, f"{lang}: run pybabel compile -d app/translations"


def test_a_string_added_untranslated_is_found_in_every_language(tmp_path, marked):
    (tmp_path / "new.html").write_text('<p>{{ _("A new button nobody translated yet") }}</p>', "utf-8")
    with_new = extract(ROOT / "app", ROOT / "templates", tmp_path)
    for lang in LANGUAGES:
        po = po_of(lang)
        assert gaps(with_new, po) == ["untranslated: 'A new button nobody translated yet'"], lang
    po = po_of("sv")
    po.get("Log in").string = "Logga in {ref}"
    assert gaps(marked, po) == ["blanks differ: 'Log in' -> 'Logga in {ref}'"]


@pytest.mark.parametrize("name", MARKED_TEMPLATES)
def test_a_marked_template_has_no_unmarked_text(name):
    assert unmarked((ROOT / "templates" / name).read_text("utf-8")) == []


def test_unmarked_text_is_found_in_text_and_shown_attributes_not_in_expressions():
    source = ('<h1>{{ _("Queue") }}</h1><p>Held orders</p><input placeholder="Type here" value="{{ q }}">'
              '<a title="{{ _(\'Back\') }}">{{ order.reference }} · {{ n }}</a><script>let x = "nope";</script>'
              '{% if x %}<span>Partdesk</span>{% endif %}<button>OK</button>')
    assert unmarked(source) == ["Held orders", "Type here", "OK"]
    assert unmarked('<p id="{{ name }}-errors" data-x="{{ y }}">{{ _("Fine") }}</p><p>{{ n }} orders</p>') == ["{{ }} orders"]



def unmarked_flashes(source: str) -> list[int]:
    """The lines of flash() calls whose message is a str literal or an f-string no _() wraps."""
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "flash":
            first = node.args[0] if node.args else None
            for part in ([first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]):
                if isinstance(part, (ast.JoinedStr, ast.BinOp)) or (
                        isinstance(part, ast.Constant) and isinstance(part.value, str)):
                    lines.append(node.lineno)
    return lines


APP_MODULES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "app").rglob("*.py"))


@pytest.mark.parametrize("name", APP_MODULES)
def test_no_flash_in_the_app_shows_an_unmarked_literal(name):
    assert unmarked_flashes((ROOT / name).read_text("utf-8")) == []


def test_an_unmarked_flash_literal_is_found():
    source = ('flash("Saved.", "success")\nflash(f"Batch {n} done")\nflash(_("Fine"))\n'
              'flash(_("Saved: %(c)s", c=c) if c else "Nothing changed.")\nflash("Saved: " + x)\nflash(said(why))\n')
    assert unmarked_flashes(source) == [1, 2, 4, 5]
