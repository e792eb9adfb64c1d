"""The subscriber forms (Flask-WTF: every one carries a CSRF token) and the checks of what people type."""

from __future__ import annotations

import re
from collections.abc import Container, Sequence

from wtforms import RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import InputRequired, Length, ValidationError

from bot.notify.addresses import AddressError, normalize_address
from bot.notify.i18n import N_, _
from bot.notify.wording.addresses import FORM_ACCENTED, FORM_INVALID
from bot.web.translated_form import TranslatedForm
from scrapers.refs import RefError, parse_ref
from storage.subscribers import FREQUENCIES

# Marked for the catalogs; each form shows them in the current language (bot/web/translated_form.py).
FREQUENCY_LABELS = {"immediate": N_("À chaque nouvelle, dès qu'elle est connue"), "daily": N_("Un résumé par jour"),
                    "weekly": N_("Un résumé par semaine")}
FREQUENCY_CHOICES = [SelectChoice(f, FREQUENCY_LABELS[f]) for f in FREQUENCIES]
MAX_REFS = 50
_SEPARATORS = re.compile(r"[\n,;]+")


class CheckboxesField(SelectMultipleField):  # type: ignore[misc]
    """Several choices as checkboxes (the template draws them inside a fieldset)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ChoicesForm(TranslatedForm):
    """What a subscriber follows and how often: the manage page's form, and part of the subscribe one."""

    frequency = RadioField(N_("Fréquence"), choices=FREQUENCY_CHOICES, default="daily",
                           validators=[InputRequired(N_("Choisissez une fréquence."))])
    tags = CheckboxesField(N_("Thèmes"), choices=[], validate_choice=True)
    refs = TextAreaField(N_("Questions"), validators=[Length(max=4000, message=N_("Trop long."))])

    def __init__(self, tags: Sequence[str], watched_refs: Container[str], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.tags.choices = [SelectChoice(tag) for tag in tags]
        self._watched_refs = watched_refs
        self.clean_refs: tuple[str, ...] = ()

    def validate_refs(self, field: StringField) -> None:
        """Each line (or comma-separated part) a reference of a question this site follows."""
        refs: list[str] = []
        for part in _SEPARATORS.split(field.data or ""):
            if not part.strip():
                continue
            try:
                uid = parse_ref(part.strip()).uid
            except RefError:
                raise ValidationError(_("« {text} » n'est pas une référence de question écrite.",
                                        text=part.strip()[:80])) from None
            if uid not in self._watched_refs:
                raise ValidationError(_("La question {uid} n'est pas suivie par ce site.", uid=uid))
            refs.append(uid)
        if len(refs) > MAX_REFS:
            raise ValidationError(_("Au plus {n} questions.", n=MAX_REFS))
        self.clean_refs = tuple(dict.fromkeys(refs))


class SubscribeForm(ChoicesForm):
    email = StringField(N_("Adresse e-mail"), validators=[InputRequired(N_("Indiquez votre adresse e-mail.")),
                                                           Length(max=254, message=N_("Adresse trop longue."))])

    def __init__(self, tags: Sequence[str], watched_refs: Container[str], *, smtputf8: bool = False,
                 **kwargs: object) -> None:
        super().__init__(tags, watched_refs, **kwargs)
        self.clean_email = ""
        self._smtputf8 = smtputf8  # the SMTP server offers SMTPUTF8: accents before the @ can travel

    def validate_email(self, field: StringField) -> None:
        try:
            self.clean_email = normalize_address(field.data or "", smtputf8=self._smtputf8)
        except AddressError as error:
            raise ValidationError(_(FORM_ACCENTED if error.accented else FORM_INVALID)) from None
