"""Resident ID numbers (GB 11643): checksum validation, masking, encryption at rest."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

ERR_FORMAT = "身份证号码应为18位，前17位为数字，末位为数字或X"
ERR_CHECKSUM = "身份证号码校验位不正确"
ERR_BIRTH_DATE = "身份证号码中的出生日期无效"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(value: str) -> str:
    return value.strip().upper()


def validate_id_number(value: str) -> str | None:
    """Return an error message, or None when the number is valid."""
    value = normalise(value)
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return ERR_FORMAT
    if check_char(value[:17]) != value[17]:
        return ERR_CHECKSUM
    if birth_date_of(value) is None:
        return ERR_BIRTH_DATE
    return None


def birth_date_of(value: str) -> dt.date | None:
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def gender_of(value: str) -> str:
    return "M" if int(value[16]) % 2 else "F"


def mask_id_number(value: str) -> str:
    value = normalise(value)
    return value[:6] + "*" * 8 + value[-4:]


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    material = secret.encode()
    fernet_key = base64.urlsafe_b64encode(hashlib.sha256(b"peixun-id-encrypt:" + material).digest())
    digest_key = hashlib.sha256(b"peixun-id-digest:" + material).digest()
    return Fernet(fernet_key), digest_key


def _secret() -> str:
    return settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY


def encrypt_id_number(value: str) -> str:
    fernet, _ = _keys(_secret())
    return fernet.encrypt(normalise(value).encode()).decode()


def decrypt_id_number(token: str) -> str:
    fernet, _ = _keys(_secret())
    return fernet.decrypt(token.encode()).decode()


def digest_id_number(value: str) -> str:
    _, key = _keys(_secret())
    return hmac.new(key, normalise(value).encode(), hashlib.sha256).hexdigest()
