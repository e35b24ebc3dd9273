"""The one secret check: equal secrets match, anything missing or different does not."""

import pytest

from secret_checks import secrets_match


def test_equal_secrets_match() -> None:
    assert secrets_match("s3cret-token", "s3cret-token")
    assert secrets_match("wörd", "wörd")  # compared as UTF-8, not refused


@pytest.mark.parametrize(
    ("expected", "received"),
    [
        ("s3cret-token", "s3cret-tokeN"),
        ("s3cret-token", "s3cret"),
        ("s3cret-token", ""),
        ("s3cret-token", None),
        ("", ""),  # an unset secret never lets a caller in
        ("", None),
    ],
)
def test_anything_else_does_not(expected: str, received: str | None) -> None:
    assert not secrets_match(expected, received)
