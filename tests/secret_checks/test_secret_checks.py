"""The one secret check: equal secrets match, anything missing or different does not.

And a configured secret is read from its variable or from the file it names.
"""

from pathlib import Path

import pytest

from secret_checks import configured_secret, secrets_match


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


def test_a_configured_secret_comes_from_its_variable_or_its_file(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "db_password"
    secret.write_text("from the file\n")

    assert configured_secret({"DB_PASSWORD": "from the variable"}, "DB_PASSWORD") == (
        "from the variable"
    )
    assert configured_secret({"DB_PASSWORD_FILE": str(secret)}, "DB_PASSWORD") == (
        "from the file"
    )
    assert configured_secret({}, "DB_PASSWORD") == ""


def test_a_secret_given_both_ways_or_unreadable_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "db_password"
    secret.write_text("x")
    both = {"DB_PASSWORD": "y", "DB_PASSWORD_FILE": str(secret)}
    with pytest.raises(ValueError, match="not both"):
        configured_secret(both, "DB_PASSWORD")
    with pytest.raises(ValueError, match="cannot read"):
        configured_secret({"DB_PASSWORD_FILE": str(tmp_path / "no")}, "DB_PASSWORD")


def test_a_secret_file_with_nothing_in_it_is_refused(tmp_path: Path) -> None:
    """Not read as "no secret", which would leave the action server open."""
    secret = tmp_path / "action_server_token"
    secret.write_text(" \n")
    with pytest.raises(ValueError, match="is empty"):
        configured_secret({"TOKEN_FILE": str(secret)}, "TOKEN")


def test_a_list_that_starts_empty_may_have_an_empty_file(tmp_path: Path) -> None:
    """The console's retired audit keys: none before the first rotation."""
    retired = tmp_path / "console_audit_keys_retired"
    retired.write_text("\n")
    env = {"KEYS_RETIRED_FILE": str(retired)}
    assert configured_secret(env, "KEYS_RETIRED", may_be_empty=True) == ""
    with pytest.raises(ValueError, match="is empty"):
        configured_secret(env, "KEYS_RETIRED")
