#!/usr/bin/env python3
"""`rasa data validate --fail-on-warnings`, with responses said by actions accounted for.

Rasa's validator warns about every response that no story or rule names as an action.
Here many responses are said by custom actions on purpose (remedy advice may only come
from `action_give_remedy_advice`, contract rule 1), so no story may name them. This
script runs the validator and fails on any warning, except that one warning for the
responses the actions are known to say; and it checks that each of those exists in
the domain, which Rasa cannot check for actions.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from rasa.shared.core.domain import Domain

from actions import triage
from actions.remedy import REMEDY_RESPONSES

ROOT = Path(__file__).resolve().parent.parent

UNUSED = re.compile(r"The utterance '(?P<name>[\w]+)' is not used in any story or rule")
WARNING = re.compile(r"(UserWarning|\bWARNING\b)")
LITERAL_RESPONSE = re.compile(r"\"(utter_\w+)\"")


def responses_said_by_actions() -> set[str]:
    """Every response a custom action or the screening form can say."""
    names = set(REMEDY_RESPONSES)
    names.add("utter_restart")  # said by Rasa's own action_restart
    names |= {f"utter_escalate_{level}" for level in triage.LEVELS[1:]}
    names |= {f"utter_reason_{flag.id}" for flag in triage.SCREENING_ITEMS}
    names |= {f"utter_ask_screening_form_{slot}" for slot in triage.SCREEN_SLOTS}
    for source in (ROOT / "actions").glob("*.py"):
        names |= set(LITERAL_RESPONSE.findall(source.read_text(encoding="utf-8")))
    names.discard("utter_action")  # the metadata key of a bot event, not a response
    return names


def main() -> int:
    """Run the validator; return non-zero on any unexplained warning or error."""
    domain = Domain.load(str(ROOT / "domain"))
    said = responses_said_by_actions()
    missing = sorted(said - set(domain.responses))
    for name in missing:
        sys.stdout.write(f"ERROR: actions say '{name}' but domain/ lacks it\n")

    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    result = subprocess.run(
        [str(ROOT / ".venv/bin/rasa"), "data", "validate", "--domain", "domain"]
        + ["--fail-on-warnings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    problems = []
    accounted = 0
    for line in (result.stdout + result.stderr).splitlines():
        if not WARNING.search(line) or "DeprecationWarning" in line:
            continue
        if "MovedIn20Warning" in line:  # SQLAlchemy notice inside Rasa itself
            continue
        unused = UNUSED.search(line)
        if unused and unused.group("name") in said:
            accounted += 1
            continue
        problems.append(line.strip())
    for line in problems:
        sys.stdout.write(f"WARNING: {line}\n")
    sys.stdout.write(
        f"rasa data validate exit code {result.returncode}; "
        f"{accounted} responses said by actions; {len(problems)} other warnings\n"
    )
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-3000:] + result.stderr[-3000:])
    return 0 if result.returncode == 0 and not problems and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
