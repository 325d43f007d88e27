"""Parts catalogue import: number, brand, description, EAN from a CSV, upserted by (number, brand).

The number is matched in its normalised form (spaces, dots, dashes removed; upper case), the brand
without regard to case. Bad rows are reported by line number and skipped. Importing the same file
twice changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from stdnum import ean
from stdnum.exceptions import ValidationError

from app.extensions import db
from app.orders import csvtext
from app.models import CatalogueItem
from app.orders.references import normalise_part_number

HEADER_ALIASES = {
    "number": {"number", "part_number", "part number", "partnumber", "artikkelnummer", "artikelnummer", "varenr",
               "art.nr", "artnr", "sku"},
    "brand": {"brand", "merke", "märke", "make", "manufacturer", "produsent", "tillverkare"},
    "description": {"description", "beskrivelse", "beskrivning", "name", "navn", "benämning"},
    "ean": {"ean", "ean13", "gtin", "barcode", "strekkode"},
}
PREVIEW_LIMIT = 200


@dataclass
class CatalogueReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    changes: list[str] = field(default_factory=list)  # the first PREVIEW_LIMIT changes, for people


def _brand_key(brand: str | None) -> str:
    return (brand or "").strip().casefold()


def import_catalogue(text: str, *, now: datetime, dry_run: bool = False) -> CatalogueReport:
    """Create or update catalogue items from CSV text (comma, semicolon or tab). With dry_run nothing
    is written and the report says what would change. The caller commits."""
    report = CatalogueReport()
    header, reader = csvtext.rows(text)
    if header is None:
        report.errors.append((1, "The file is empty."))
        return report
    cols = csvtext.columns(header, HEADER_ALIASES)
    if "number" not in cols:
        report.errors.append((1, f"Missing column: number. Found: {', '.join(h.strip() for h in header)}."))
        return report

    existing: dict[tuple[str, str], CatalogueItem] = {
        (item.number_norm, _brand_key(item.brand)): item for item in db.session.scalars(select(CatalogueItem))
    }
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue

        def cell(key: str) -> str:
            i = cols.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        number, brand, description, code = cell("number"), cell("brand") or None, cell("description") or None, cell("ean")
        norm = normalise_part_number(number)
        if not norm:
            report.errors.append((line, "The part number is missing."))
            continue
        if len(norm) > 64 or len(number) > 64:
            report.errors.append((line, f"The part number '{number[:70]}' is longer than 64 characters."))
            continue
        if brand and len(brand) > 80:
            report.errors.append((line, "The brand is longer than 80 characters."))
            continue
        if description and len(description) > 300:
            description = description[:300]
        if code:
            try:
                code = ean.validate(code)
            except ValidationError as exc:
                report.errors.append((line, f"'{code}' is not a valid EAN ({str(exc).rstrip('.').lower()})."))
                continue
        key = (norm, _brand_key(brand))
        if key in seen:
            report.errors.append((line, f"Part {number} {brand or ''} is already on line {seen[key]}.".replace(" .", ".")))
            continue
        seen[key] = line
        _apply(existing, key, number, brand, description, code or None, now, report, dry_run)
    if not dry_run:
        db.session.flush()
    return report


def _apply(existing, key, number, brand, description, code, now, report: CatalogueReport, dry_run: bool) -> None:
    item = existing.get(key)
    label = f"{number}" + (f" ({brand})" if brand else "")
    if item is None:
        report.created += 1
        _note(report, f"New part {label}: {description or '(no description)'}")
        if not dry_run:
            item = CatalogueItem(number=number, number_norm=key[0], brand=brand, description=description, ean=code,
                                 updated_at=now)
            db.session.add(item)
            existing[key] = item
        return
    changed = []
    for attr, value in (("number", number), ("brand", brand), ("description", description), ("ean", code)):
        if getattr(item, attr) != value:
            changed.append(f"{attr} '{getattr(item, attr) or ''}' → '{value or ''}'")
            if not dry_run:
                setattr(item, attr, value)
    if changed:
        report.updated += 1
        _note(report, f"Part {label}: " + "; ".join(changed))
        if not dry_run:
            item.updated_at = now
    else:
        report.unchanged += 1


def _note(report: CatalogueReport, text: str) -> None:
    if len(report.changes) < PREVIEW_LIMIT:
        report.changes.append(text)


decode = csvtext.decode  # kept for callers of this module
