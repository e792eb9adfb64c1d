"""The subscriber forms (Flask-WTF: every one carries a CSRF token) and the checks of what people type."""

from __future__ import annotations

import re
from collections.abc import Container, Sequence

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import InputRequired, Length, ValidationError

from bot.notify.addresses import AddressError, normalize_address
from bot.notify.wording.addresses import FORM_ACCENTED, FORM_INVALID
from scrapers.refs import RefError, parse_ref
from storage.subscribers import FREQUENCIES

FREQUENCY_LABELS = {"immediate": "À chaque nouvelle, dès qu'elle est connue", "daily": "Un résumé par jour",
                    "weekly": "Un résumé par semaine"}
FREQUENCY_CHOICES = [SelectChoice(f, FREQUENCY_LABELS[f]) for f in FREQUENCIES]
MAX_REFS = 50
_SEPARATORS = re.compile(r"[\n,;]+")


class CheckboxesField(SelectMultipleField):  # type: ignore[misc]
    """Several choices as checkboxes (the template draws them inside a fieldset)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ChoicesForm(FlaskForm):  # type: ignore[misc]
    """What a subscriber follows and how often: the manage page's form, and part of the subscribe one."""

    class Meta:
        locales = ("fr",)  # WTForms' own French messages ("N'est pas un choix valide."); see WTF_I18N_ENABLED

    frequency = RadioField("Fréquence", choices=FREQUENCY_CHOICES, default="daily",
                           validators=[InputRequired("Choisissez une fréquence.")])
    tags = CheckboxesField("Thèmes", choices=[], validate_choice=True)
    refs = TextAreaField("Questions", validators=[Length(max=4000, message="Trop long.")])

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
                raise ValidationError(f"« {part.strip()[:80]} » n'est pas une référence de question écrite.") \
                    from None
            if uid not in self._watched_refs:
                raise ValidationError(f"La question {uid} n'est pas suivie par ce site.")
            refs.append(uid)
        if len(refs) > MAX_REFS:
            raise ValidationError(f"Au plus {MAX_REFS} questions.")
        self.clean_refs = tuple(dict.fromkeys(refs))


class SubscribeForm(ChoicesForm):
    email = StringField("Adresse e-mail", validators=[InputRequired("Indiquez votre adresse e-mail."),
                                                       Length(max=254, message="Adresse trop longue.")])

    def __init__(self, tags: Sequence[str], watched_refs: Container[str], *, smtputf8: bool = False,
                 **kwargs: object) -> None:
        super().__init__(tags, watched_refs, **kwargs)
        self.clean_email = ""
        self._smtputf8 = smtputf8  # the SMTP server offers SMTPUTF8: accents before the @ can travel

    def validate_email(self, field: StringField) -> None:
        try:
            self.clean_email = normalize_address(field.data or "", smtputf8=self._smtputf8)
        except AddressError as error:
            raise ValidationError(FORM_ACCENTED if error.accented else FORM_INVALID) from None
