from __future__ import annotations

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError

from peixun.accounts.models import User

ERR_CLASSES = "密码须包含大写字母、小写字母、数字、特殊字符中的至少{n}类"
ERR_TOO_SHORT = "密码太短，至少需要{n}个字符"


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's rule with a Chinese message: Django 5.2's zh-hans catalogue lacks its new wording."""

    def get_error_message(self) -> str:
        return ERR_TOO_SHORT.format(n=self.min_length)

    def get_help_text(self) -> str:
        return ERR_TOO_SHORT.format(n=self.min_length)


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: User | None = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(ERR_CLASSES.format(n=self.min_classes), code="password_classes")

    def get_help_text(self) -> str:
        return ERR_CLASSES.format(n=self.min_classes)
