"""The runner against the real assistant on a SQL tracker store, with stubbed actions.

One Rasa server and action server start with a SQLite tracker store (as `make run`
uses) and the action endpoint pointing at the runner's stub server. The fixture
cases (``clinic.yml``), the Rasa Pro documentation examples (``rasa_pro_docs.yml``,
metadata and assertions included) and the stubbed cases (``rasa_pro_stubs.yml``)
must all pass through the real command line. Before fixtures were appended after
the session start, the SQL store dropped them and the clinic cases failed. Then one
of those real conversations is recorded from the tracker API (``e2e record``) and
the recorded case replayed. Needs the trained model (skipped otherwise) and takes a
minute or two.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from supervisor.assistant import Assistant
from tests.e2e.utils.cli import run_e2e
from tests.e2e.utils.settings import ASSISTANT_PORTS, CASES, STUB_PORT
from tests.helpers.assistant import needs_trained_model, trained_assistant

DOCS_CASE = "user reports a cramp and answers the first question"
TOKEN = "e2e-live-check"


@pytest.mark.slow
@needs_trained_model
def test_fixtures_metadata_and_stubs_on_a_sql_tracker_store(tmp_path: Path) -> None:
    """Every fixture, docs and stub case passes on SQLite; metadata reaches the tracker."""
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{STUB_PORT}/webhook"\n'
        "  token: ${ACTION_SERVER_TOKEN}\n"
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n'
        f'  db: "{tmp_path / "conversations.db"}"\n',
        encoding="utf-8",
    )
    config = trained_assistant(
        ASSISTANT_PORTS,
        token=TOKEN,
        log_dir=tmp_path / "logs",
        endpoints=endpoints,
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_e2e(*args, "--url", config.url, "--token", TOKEN)

    stubs = ["--stub-port", str(STUB_PORT), "--actions-url", config.actions_url]
    with Assistant(config):
        completed = cli(
            "run",
            str(CASES / "clinic.yml"),
            str(CASES / "rasa_pro_docs.yml"),
            str(CASES / "rasa_pro_stubs.yml"),
            *stubs,
            "--save-transcripts",
            str(tmp_path / "transcripts"),
            "--e2e-results",
            str(tmp_path / "results"),
        )
        docs_case = json.loads(
            (tmp_path / "transcripts" / f"{DOCS_CASE}.json").read_text()
        )
        # Recorded by the id the tracker store (and the console) show.
        conversation = docs_case["conversation_id"]
        recorded_file = tmp_path / "recorded.yml"
        recorded = cli("record", conversation, "--out", str(recorded_file))
        replayed = cli("run", str(recorded_file), *stubs)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    results = YAML(typ="safe").load(
        (tmp_path / "results" / "e2e_results.yml").read_text()
    )
    names = [entry["name"] for entry in results["test_results"]]
    assert len(names) == 13 and {e["status"] for e in results["test_results"]} == {
        "passed"
    }
    # The docs' metadata example: case and step metadata on the user event.
    transcript = json.loads(
        (tmp_path / "transcripts" / "test_greeting_with_metadata.json").read_text()
    )
    metadata = [
        event.get("metadata") or {}
        for turn in transcript["turns"]
        for event in turn["events"]
        if event.get("event") == "user"
    ]
    assert metadata[0]["os"] == "linux" and metadata[0]["language"] == "English"
    assert "os" not in metadata[1] and metadata[1]["location"] == "Europe"

    # Record -> replay: the real conversation, as a case, passes again.
    assert conversation == f"rest:{docs_case['sender']}"
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    text = recorded_file.read_text(encoding="utf-8")
    assert '- user: "no"' in text
    assert "- utter: utter_ask_screening_form_screen_cold_pale_leg" in text
    assert 'screen_chest_pain_or_breathless: "absent"' in text
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert replayed.stdout.strip().splitlines()[-1] == "1 passed, 0 failed"
