"""Resident ID numbers: GB 11643 checksum, masking, and encryption that never stores the plain number."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import InvalidToken

from peixun.org import idnumber

# Widely published sample numbers whose check characters are known.
KNOWN_VALID = ["11010519491231002X", "440524188001010014"]


def make_id(birth: dt.date, gender: str = "M", region: str = "370102", seq: str = "12") -> str:
    """A valid number: region, birth date, two sequence digits, a gender digit (odd = male), checksum."""
    gender_digit = "3" if gender == "M" else "4"
    first17 = f"{region}{birth:%Y%m%d}{seq}{gender_digit}"
    return first17 + idnumber.check_char(first17)


@pytest.mark.parametrize("number", KNOWN_VALID)
def test_published_numbers_pass_the_checksum(number):
    assert idnumber.validate_id_number(number) is None


def test_a_lower_case_x_and_spaces_are_accepted():
    assert idnumber.validate_id_number(" 11010519491231002x ") is None


def test_every_wrong_check_character_is_refused():
    first17 = KNOWN_VALID[1][:17]
    wrong = [c for c in "0123456789X" if c != KNOWN_VALID[1][17]]
    assert {idnumber.validate_id_number(first17 + c) for c in wrong} == {idnumber.ERR_CHECKSUM}


@pytest.mark.parametrize(
    "number", ["", "1101051949123100", "11010519491231002XX", "1101051949123100A2", "X10105194912310021"]
)
def test_a_malformed_number_is_refused(number):
    assert idnumber.validate_id_number(number) == idnumber.ERR_FORMAT


def test_an_impossible_birth_date_is_refused_even_with_a_right_checksum():
    first17 = "37010219990231123"  # 31 February
    assert idnumber.validate_id_number(first17 + idnumber.check_char(first17)) == idnumber.ERR_BIRTH_DATE


def test_birth_date_and_gender_are_read_from_the_number():
    number = make_id(dt.date(1988, 2, 29), "F")
    assert idnumber.birth_date_of(number) == dt.date(1988, 2, 29)
    assert idnumber.gender_of(number) == "F"
    assert idnumber.gender_of(make_id(dt.date(1988, 2, 29), "M")) == "M"


def test_the_mask_keeps_region_and_last_four_only():
    assert idnumber.mask_id_number("11010519491231002x") == "110105********002X"


def test_encryption_round_trips_and_never_contains_the_number():
    number = KNOWN_VALID[0]
    token = idnumber.encrypt_id_number(number)
    assert number not in token and number[6:14] not in token
    assert idnumber.decrypt_id_number(token) == number
    assert idnumber.encrypt_id_number(number) != token  # a fresh nonce every time


def test_the_digest_is_stable_keyed_and_reveals_nothing(settings):
    number = KNOWN_VALID[0]
    digest = idnumber.digest_id_number(number)
    assert digest == idnumber.digest_id_number(number.lower())
    assert number not in digest
    settings.FIELD_ENCRYPTION_KEY = "another-key"
    assert idnumber.digest_id_number(number) != digest


def test_a_token_from_another_key_does_not_decrypt(settings):
    settings.FIELD_ENCRYPTION_KEY = "key-one"
    token = idnumber.encrypt_id_number(KNOWN_VALID[0])
    settings.FIELD_ENCRYPTION_KEY = "key-two"
    with pytest.raises(InvalidToken):
        idnumber.decrypt_id_number(token)
