"""Two-factor codes for staff accounts: time-based one-time passwords (TOTP, RFC 6238).

An admin enrols an account by command (``python -m console enrol-totp NAME``): a new
secret, shown once as a QR code and as text for the member of staff's authenticator
app, and kept in the console's database. From then on a login needs the password and
the app's current six-digit code (:func:`matching_step`); codes count towards the
lockout as wrong passwords do. Each code opens one login only: the time step it
belongs to is recorded, and a code of that step or an earlier one is refused.

pyotp computes the codes (HMAC-SHA1, 30-second steps, six digits: what every
authenticator app reads from an ``otpauth://`` URI), segno draws the QR code.
"""

from __future__ import annotations

import io

import pyotp
import segno

ISSUER = "Hamstring clinic console"
"""How the authenticator app names the account's issuer."""
VALID_WINDOW = 1
"""Steps of 30 s accepted either side of now: the phone's clock may be a little off."""
CODE_DIGITS = 6


def new_secret() -> str:
    """A new random TOTP secret (base32, 160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_code_text(uri: str) -> str:
    """The QR code of ``uri`` drawn with characters, for a terminal."""
    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True)
    return out.getvalue()


def current_code(secret: str, *, at: float) -> str:
    """The code the app shows at time ``at`` (tests, and checking an enrolment)."""
    return pyotp.TOTP(secret).at(at)


def matching_step(
    secret: str, code: str, *, at: float, after: int | None
) -> int | None:
    """The time step ``code`` belongs to, if it is valid at ``at`` and not used before.

    Spaces in the code are ignored (apps show ``123 456``). ``after`` is the step of the
    last code used for this account: a code of that step or an earlier one is refused,
    so a code seen over someone's shoulder cannot open a second session.
    """
    code = code.replace(" ", "")
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        return None
    try:
        step = pyotp.TOTP(secret).verify_and_get_timecode(
            code, for_time=at, valid_window=VALID_WINDOW
        )
    except pyotp.OTPVerificationError:
        return None
    if after is not None and step <= after:
        return None
    return step
