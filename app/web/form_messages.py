"""WTForms' own messages that our forms can show, marked so that they are in our catalogues.

WTForms ships catalogues for most of our languages but none for Danish; app.web.i18n.FormTranslations looks
in ours first. These are WTForms' msgids exactly (validators.py, fields/), so a change of wording in WTForms
shows up as an untranslated message in the completeness test rather than as English on a Danish page.
"""
from app.locales import N_

MESSAGES = (
    N_("This field is required."),
    N_("Not a valid integer value."),
    N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."),
    N_("Not a valid datetime value."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Invalid input."),
    N_("Invalid URL."),
    N_("Invalid value, must be one of: %(values)s."),
)
