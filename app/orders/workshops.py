"""Workshops: phone and email lookup, and import from an ERP's CSV export."""
from __future__ import annotations

from dataclasses import dataclass, field

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.orders import csvtext
from app.models import Branch, Workshop, WorkshopEmail, WorkshopPhone
from app.models.search_keys import DEFAULT_REGION, normalise_phone  # noqa: F401 - callers import normalise_phone from here


def is_mobile(e164: str) -> bool:
    try:
        kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return False
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def find_by_phone(raw: str | None, region: str = DEFAULT_REGION) -> Workshop | None:
    e164 = normalise_phone(raw, region)
    if not e164:
        return None
    return db.session.scalars(
        select(Workshop).join(WorkshopPhone).where(WorkshopPhone.e164 == e164)
    ).first()


def find_by_email(address: str | None) -> tuple[Workshop | None, str | None]:
    """(workshop, how): by exact address first, then by domain when only one workshop has it."""
    if not address or "@" not in address:
        return None, None
    address = address.strip().lower()
    exact = db.session.scalars(select(Workshop).join(WorkshopEmail).where(WorkshopEmail.address == address)).first()
    if exact:
        return exact, "address"
    domain = address.rsplit("@", 1)[1]
    matches = list(db.session.scalars(
        select(Workshop).join(WorkshopEmail).where(WorkshopEmail.address.like(f"%@{domain}")).distinct().limit(2)
    ))
    if len(matches) == 1:
        return matches[0], "domain"
    return None, None


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    changes: list[str] = field(default_factory=list)  # human-readable preview


HEADER_ALIASES = {
    "customer_number": {"customer_number", "customer no", "customer", "kundenr", "kundenummer", "kund nr", "kundnr", "number"},
    "name": {"name", "navn", "namn", "workshop"},
    "emails": {"emails", "email", "e-mail", "epost", "e-post"},
    "phones": {"phones", "phone", "telefon", "tlf", "mobile", "mobil"},
    "branch": {"branch", "avdeling", "filial", "branch_code"},
}


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    return [p.strip() for p in value.replace(";", ",").replace("|", ",").split(",") if p.strip()]


def import_workshops(text: str, *, dry_run: bool = False) -> ImportReport:
    """Create or update workshops from CSV text (comma or semicolon). Bad rows are reported by line
    number and skipped; the rest are imported. Importing the same file twice changes nothing.
    With dry_run the changes are described and nothing is written (the caller rolls back)."""
    report = ImportReport()
    header, reader = csvtext.rows(text)
    if header is None:
        report.errors.append((1, "The file is empty."))
        return report
    cols = csvtext.columns(header, HEADER_ALIASES)
    missing = [c for c in ("customer_number", "name") if c not in cols]
    if missing:
        report.errors.append((1, f"Missing column(s): {', '.join(missing)}. Found: {', '.join(header)}."))
        return report
    branches = {b.code.upper(): b for b in db.session.scalars(select(Branch))}
    seen_phones: dict[str, str] = {}
    seen_emails: dict[str, str] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str) -> str:
            i = cols.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        number, name = cell("customer_number"), cell("name")
        if not number or not name:
            report.errors.append((line, "Customer number and name are required."))
            continue
        emails = [e.lower() for e in _split(cell("emails"))]
        bad_email = next((e for e in emails if "@" not in e or " " in e), None)
        if bad_email:
            report.errors.append((line, f"'{bad_email}' is not an email address."))
            continue
        phones = []
        bad_phone = None
        for raw in _split(cell("phones")):
            e164 = normalise_phone(raw)
            if e164 is None:
                bad_phone = raw
                break
            phones.append(e164)
        if bad_phone:
            report.errors.append((line, f"'{bad_phone}' is not a phone number."))
            continue
        clash = next((p for p in phones if seen_phones.get(p, number) != number), None) or \
            next((e for e in emails if seen_emails.get(e, number) != number), None)
        if clash:
            report.errors.append((line, f"'{clash}' is already given to customer {seen_phones.get(clash) or seen_emails.get(clash)} in this file."))
            continue
        branch_code = cell("branch").upper()
        branch = branches.get(branch_code) if branch_code else None
        if branch_code and branch is None:
            report.errors.append((line, f"Unknown branch '{branch_code}'."))
            continue
        for p in phones:
            seen_phones[p] = number
        for e in emails:
            seen_emails[e] = number
        _apply(number, name, emails, phones, branch, report)
    return report


def _apply(number, name, emails, phones, branch, report: ImportReport) -> None:
    workshop = db.session.scalars(select(Workshop).where(Workshop.customer_number == number)).first()
    if workshop is None:
        workshop = Workshop(customer_number=number, name=name, home_branch=branch)
        db.session.add(workshop)
        report.created += 1
        report.changes.append(f"New workshop {number} {name}")
    else:
        changed = []
        if workshop.name != name:
            changed.append(f"name '{workshop.name}' → '{name}'")
            workshop.name = name
        if branch is not None and workshop.home_branch_id != branch.id:
            changed.append(f"branch → {branch.code}")
            workshop.home_branch = branch
        old_emails = {e.address for e in workshop.emails}
        old_phones = {p.e164 for p in workshop.phones}
        if emails and set(emails) != old_emails:
            changed.append(f"emails → {', '.join(emails)}")
        if phones and set(phones) != old_phones:
            changed.append(f"phones → {', '.join(phones)}")
        if changed:
            report.updated += 1
            report.changes.append(f"Workshop {number}: " + "; ".join(changed))
        else:
            report.unchanged += 1
    _set_contacts(workshop, emails, phones)
    db.session.flush()


def _set_contacts(workshop: Workshop, emails: list[str], phones: list[str]) -> None:
    if emails:
        keep = {e.address for e in workshop.emails}
        for address in emails:
            if address not in keep:
                other = db.session.scalars(select(WorkshopEmail).where(WorkshopEmail.address == address)).first()
                if other is not None:
                    other.workshop = workshop
                else:
                    workshop.emails.append(WorkshopEmail(address=address))
        workshop.emails[:] = [e for e in workshop.emails if e.address in emails]
    if phones:
        keep = {p.e164 for p in workshop.phones}
        for e164 in phones:
            if e164 not in keep:
                other = db.session.scalars(select(WorkshopPhone).where(WorkshopPhone.e164 == e164)).first()
                if other is not None:
                    other.workshop = workshop
                else:
                    workshop.phones.append(WorkshopPhone(e164=e164, is_mobile=is_mobile(e164)))
        workshop.phones[:] = [p for p in workshop.phones if p.e164 in phones]


def search(term: str, limit: int = 10) -> list[Workshop]:
    """Workshops whose name, customer number or phone number matches what is typed so far, their phones
    loaded with them (the suggestions list them)."""
    term = (term or "").strip()
    if not term:
        return []
    digits = "".join(ch for ch in term if ch.isdigit())
    conditions = [func.lower(Workshop.name).contains(term.lower()), Workshop.customer_number.startswith(term)]
    if len(digits) >= 3:
        conditions.append(Workshop.phones.any(WorkshopPhone.e164.contains(digits)))
    from sqlalchemy import or_

    return list(db.session.scalars(
        select(Workshop).where(or_(*conditions), Workshop.active.is_(True)).order_by(Workshop.name).limit(limit)
        .options(selectinload(Workshop.phones))
    ))
