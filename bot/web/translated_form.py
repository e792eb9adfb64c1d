"""The base of the site's forms: labels, choices and error messages are written in French in the code
(the catalogs' messages, marked with `N_`) and shown in the language relance speaks, read when a form is
made and when it is checked, never at import, so that one process may serve either language."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from bot.notify.i18n import _, current_language


class TranslatedForm(FlaskForm):  # type: ignore[misc]
    class Meta:
        @property
        def locales(self) -> tuple[str, ...]:
            """WTForms' own messages ("Not a valid choice.") in the current language (see WTF_I18N_ENABLED)."""
            return (current_language(),)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            field.label.text = _(field.label.text)
            choices = getattr(field, "choices", None)
            if isinstance(choices, list):
                field.choices = [_translated_choice(choice) for choice in choices]

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        for field in self:
            # In place: the form's `errors` may already hold these lists.
            if isinstance(field.errors, list):
                field.errors[:] = [_(message) if isinstance(message, str) else message for message in field.errors]
        return valid


def _translated_choice(choice: Any) -> Any:
    if isinstance(choice, SelectChoice) and choice.label:
        return replace(choice, label=_(choice.label))
    return choice
