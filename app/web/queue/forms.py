"""Forms of the queue: the phone-order form, the review form, queue filters and the action buttons."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from vininfo import Vin
from wtforms import (BooleanField, DateTimeLocalField, SelectChoice, FieldList, FormField, HiddenField, IntegerField,
                     RadioField, SelectField, StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from flask_babel import gettext as _, lazy_gettext as _l

from app.extensions import db
from app.models import CHANNELS, STATUSES, Workshop
from app.orders import workshops
from app.orders.provisional import NewWorkshop
from app.orders.service import LineInput, OrderInput
from app.web.forms import SubForm, WebForm

MAX_LINES = 100
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def vin_problem(value: str) -> str | None:
    """Why a VIN is not valid, or None. The check digit is only checked on North American VINs
    (first character 1-5): elsewhere position 9 is free and a mismatch says nothing."""
    if len(value) != 17:
        return _("A VIN has 17 characters; this has %(num)d.", num=len(value))
    if re.search(r"[IOQ]", value):
        return _("A VIN never contains I, O or Q (did you mean 1 or 0?).")
    if not _VIN.match(value):
        return _("A VIN has only letters and digits.")
    if value[0] in "12345" and not Vin(value).verify_checksum():
        return _("The check digit (9th character) does not match; read the VIN again.")
    return None


class LineForm(SubForm):
    """One order line; a sub-form without its own CSRF token."""

    part_number = StringField(_l("Part number"), validators=[Optional(), Length(max=64)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=300)])
    quantity = IntegerField(_l("Qty"), default=1, validators=[Optional(), NumberRange(min=1, max=9999)])

    @property
    def is_blank(self) -> bool:
        return not ((self.part_number.data or "").strip() or (self.description.data or "").strip())


class OrderFieldsForm(WebForm):
    """The fields of an order, shared by the phone form and the review page."""

    # no max_entries: WTForms would silently drop the lines past it; validate_lines refuses instead
    lines = FieldList(FormField(LineForm), min_entries=1)
    add_line = SubmitField(_l("Add line"))
    remove_line = HiddenField()  # set by the value of the pressed "Remove" button; never rendered
    plate = StringField(_l("Plate"), validators=[Optional(), Length(max=20)])
    vin = StringField(_l("VIN"), validators=[Optional(), Length(max=40)])
    urgent = BooleanField(_l("Urgent"))
    fulfilment = RadioField(_l("Fulfilment"), choices=[SelectChoice("delivery", _l("Delivery")), SelectChoice("pickup", _l("Pickup"))],
                            default="delivery")
    customer_reference = StringField(_l("Workshop's reference"), validators=[Optional(), Length(max=64)])
    contact_name = StringField(_l("Contact name"), validators=[Optional(), Length(max=120)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    # no Optional(): an empty workshop must still reach validate_workshop
    workshop = StringField(_l("Workshop"), validators=[Length(max=200)],
                           description=_l("Name, customer number or phone"))
    workshop_id = HiddenField(_l("Workshop"))  # the label names it in an error

    picked: Workshop | None = None

    def validate_workshop(self, field):
        self.picked = resolve_workshop(self.workshop_id.data, field.data)
        if self.picked is None and (field.data or "").strip():
            raise ValidationError(_("No workshop matches '%(typed)s'. Pick one from the suggestions, "
                                    "type its customer number, or take it as a new workshop.", typed=field.data.strip())
                                  if hasattr(self, "new_workshop_name") else
                                  _("No workshop matches '%(typed)s'. Pick one from the suggestions "
                                    "or type its customer number.", typed=field.data.strip()))
        if self.picked is not None and self.picked.blocked:
            raise ValidationError(_("%(name)s is blocked; ask a manager.", name=self.picked.name))

    def show_workshop(self, workshop: Workshop | None) -> None:
        self.workshop.data = workshop_label(workshop) if workshop else ""
        self.workshop_id.data = str(workshop.id) if workshop else ""

    def validate_lines(self, field):
        if len(field.entries) > MAX_LINES:
            raise ValidationError(_("At most %(num)d lines in one order; split it in two.", num=MAX_LINES))
        if all(entry.form.is_blank for entry in field.entries):
            raise ValidationError(_("Give at least one line with a part number or a description."))

    def validate_vin(self, field):
        value = re.sub(r"[\s-]", "", field.data or "").upper()
        if value:
            problem = vin_problem(value)
            if problem:
                raise ValidationError(problem)
        field.data = value

    def validate_contact_phone(self, field):
        if field.data and field.data.strip():
            if workshops.normalise_phone(field.data) is None:
                raise ValidationError(_("This is not a phone number."))

    def edit_lines(self) -> bool:
        """Handle the no-JS "Add line" / "Remove" buttons. True when the form only needs re-showing."""
        if self.add_line.data:
            if len(self.lines.entries) < MAX_LINES:
                self.lines.append_entry()
            return True
        if self.remove_line.data not in (None, ""):
            try:
                index = int(self.remove_line.data)
            except ValueError:
                return True
            keep = [e.form.data for i, e in enumerate(self.lines.entries) if i != index]
            while self.lines.entries:
                self.lines.pop_entry()
            for data in keep or [{}]:
                self.lines.append_entry(data or None)
            self.remove_line.data = ""
            return True
        return False

    def line_inputs(self) -> list[LineInput]:
        return [LineInput(part_number=(e.form.part_number.data or "").strip() or None,
                          description=(e.form.description.data or "").strip() or None,
                          quantity=e.form.quantity.data or 1)
                for e in self.lines.entries if not e.form.is_blank]

    def order_input(self, channel: str) -> OrderInput:
        def text(field) -> str | None:
            return (field.data or "").strip() or None

        return OrderInput(
            channel=channel, lines=self.line_inputs(),
            workshop_id=self.picked.id if self.picked else None, urgent=bool(self.urgent.data),
            fulfilment=self.fulfilment.data or None, plate=text(self.plate), vin=text(self.vin),
            customer_reference=text(self.customer_reference), contact_name=text(self.contact_name),
            contact_phone=workshops.normalise_phone(self.contact_phone.data), notes=text(self.notes),
        )


class PhoneOrderForm(OrderFieldsForm):
    """An order keyed in while the workshop is on the phone; a caller not in the list is taken as a new
    (provisional) workshop, from the name and phone typed under "New workshop"."""

    branch_id = SelectField(_l("Branch"), coerce=int)
    new_workshop_name = StringField(_l("New workshop's name"), validators=[Optional(), Length(max=200)])
    # no Optional(): an empty phone must still reach validate_new_workshop_phone
    new_workshop_phone = StringField(_l("Its phone"), validators=[Length(max=40)])
    new_workshop_email = StringField(_l("Its email (optional)"), validators=[Optional(), Length(max=254)])
    new_workshop_org = StringField(_l("Org. number (optional)"), validators=[Optional(), Length(max=20)])
    save = SubmitField(_l("Save order"))

    @property
    def wants_new_workshop(self) -> bool:
        return bool((self.new_workshop_name.data or "").strip())

    def validate_workshop(self, field):
        if self.wants_new_workshop:
            # what is typed above may be the new name itself; only a workshop actually picked contradicts it
            self.picked = resolve_workshop(self.workshop_id.data, field.data)
            if self.picked is not None:
                raise ValidationError(_("%(name)s is picked here and a new workshop is typed below; "
                                        "clear one of them.", name=self.picked.name))
            return
        super().validate_workshop(field)
        if self.picked is None and not field.errors and not (self.contact_phone.data or "").strip():
            raise ValidationError(_("Pick the workshop, or give a contact phone so we can reach the caller."))

    def validate_new_workshop_phone(self, field):
        if not self.wants_new_workshop:
            return
        typed = (field.data or "").strip()
        if not typed:
            raise ValidationError(_("Give the new workshop's phone, so we can call it back."))
        if workshops.normalise_phone(typed) is None:
            raise ValidationError(_("This is not a phone number."))
        owner = workshops.find_by_phone(typed)
        if owner is not None:
            raise ValidationError(_("This is the phone of %(name)s (%(number)s); pick that "
                                    "workshop above instead.", name=owner.name, number=owner.customer_number))

    def validate_new_workshop_email(self, field):
        typed = (field.data or "").strip().lower()
        if not (self.wants_new_workshop and typed):
            return
        if "@" not in typed or " " in typed or typed.startswith("@") or typed.endswith("@"):
            raise ValidationError(_("This is not an email address."))
        owner, how = workshops.find_by_email(typed)
        if owner is not None and how == "address":
            raise ValidationError(_("This is the email of %(name)s (%(number)s); pick that "
                                    "workshop above instead.", name=owner.name, number=owner.customer_number))

    def validate_new_workshop_org(self, field):
        typed = (field.data or "").strip()
        if self.wants_new_workshop and typed and not re.fullmatch(r"[0-9 .-]{4,20}", typed):
            raise ValidationError(_("An organisation number has only digits (spaces allowed)."))

    def new_workshop(self) -> NewWorkshop | None:
        """The new workshop to create with the order, or None when one was picked."""
        if not self.wants_new_workshop:
            return None
        return NewWorkshop(name=self.new_workshop_name.data.strip(), phone=self.new_workshop_phone.data.strip(),
                           email=(self.new_workshop_email.data or "").strip() or None,
                           org_number=re.sub(r"[ .-]", "", self.new_workshop_org.data or "") or None)


class EditOrderForm(OrderFieldsForm):
    """A saved order corrected: everything the phone form asks, the wanted-by time (in the branch's zone)
    and, for a manager, the branch."""

    branch_id = SelectField(_l("Branch"), coerce=int)
    # an order saved without one stays without one: no default that an unchanged save would write
    fulfilment = RadioField(_l("Fulfilment"), choices=[SelectChoice("delivery", _l("Delivery")), SelectChoice("pickup", _l("Pickup"))],
                            default=None, validate_choice=False)
    wanted_by = DateTimeLocalField(_l("Wanted by"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                   validators=[Optional()])
    save = SubmitField(_l("Save changes"))

    def validate_fulfilment(self, field):
        if field.data not in (None, "", "delivery", "pickup"):
            raise ValidationError(_("Choose delivery or pickup."))


class ReviewForm(OrderFieldsForm):
    save = SubmitField(_l("Save & accept"))


class CancelForm(WebForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Say why the order is cancelled.")),
                                               Length(max=500)])
    submit = SubmitField(_l("Cancel order"))


class ActionForm(WebForm):
    """A button that changes an order: the CSRF token and where to go back to travel."""

    next_url = HiddenField()
    submit = SubmitField()


class QueueFilterForm(WebForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    branch = SelectField(_l("Branch"), coerce=str, validators=[Optional()])
    status = SelectField(_l("Status"), choices=[SelectChoice("open", _l("Open")), SelectChoice("all", _l("All")),
                                                *[SelectChoice(s, _l(s.label)) for s in STATUSES]],
                         default="open", validators=[Optional()])
    channel = SelectField(_l("Channel"), choices=[SelectChoice("", _l("Any")), *[SelectChoice(c, c) for c in CHANNELS]], default="",
                          validators=[Optional()])
    urgent = BooleanField(_l("Urgent only"))
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1)])
    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])


def resolve_workshop(workshop_id: str | None, typed: str | None) -> Workshop | None:
    """The workshop picked from the suggestions, else one found by exact customer number or phone."""
    typed = (typed or "").strip()
    if not typed:
        return None
    if workshop_id and workshop_id.isdigit():
        # with its phones and emails: the order's notification needs them, and reading them here keeps
        # them out of the branch lock the order is saved under; one statement (a workshop has a few of
        # each, so the joined rows are few), where a load for each was three
        picked = db.session.get(Workshop, int(workshop_id),
                                options=[joinedload(Workshop.phones), joinedload(Workshop.emails)])
        # the text still says what was picked (without JS the hidden id survives an edit)
        if picked is not None and typed in (workshop_label(picked), picked.customer_number):
            return picked
    by_number = db.session.scalars(select(Workshop).where(Workshop.customer_number == typed)).first()
    if by_number is not None:
        return by_number
    if sum(ch.isdigit() for ch in typed) >= 5:
        return workshops.find_by_phone(typed)
    return None


def workshop_label(workshop: Workshop) -> str:
    return f"{workshop.name} ({workshop.customer_number})"
