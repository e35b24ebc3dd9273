"""SpacyPipelinePin: a model loads only beside the pipeline build it was trained with."""

import json
import shutil
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.training.fingerprinting import calculate_fingerprint_key
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.shared_spacy_nlp import BuiltSpacyModel, SharedSpacyNLP
from components.spacy_pipeline_pin import PIN_FILE, PipelineMismatch, SpacyPipelinePin
from nlp.build import SOURCES_DIGEST_KEY, sources_digest
from tests.helpers.graph import project_graph_nodes
from tests.helpers.paths import REPO_ROOT

CONTEXT = ExecutionContext(GraphSchema({}), "test")


def trained_pin(storage: LocalModelStorage, pipeline: Path) -> Resource:
    """Train a pin with ``pipeline`` into ``storage``; the resource it wrote."""
    resource = Resource("train_SpacyPipelinePin0")
    pin = SpacyPipelinePin.create({}, storage, resource, CONTEXT)
    return pin.train(TrainingData(), SharedSpacyNLP.load_model(str(pipeline)))


def rebuilt_elsewhere(pipeline: Path, target: Path, digest: str | None) -> Path:
    """A copy of ``pipeline`` at ``target`` whose meta names other sources."""
    shutil.copytree(pipeline, target)
    meta_path = target / "meta.json"
    meta = json.loads(meta_path.read_text())
    if digest is None:
        del meta[SOURCES_DIGEST_KEY]
    else:
        meta[SOURCES_DIGEST_KEY] = digest
    meta_path.write_text(json.dumps(meta))
    return target


def test_the_built_pipeline_names_the_sources_it_was_built_from(
    pipeline_path: Path,
) -> None:
    meta = json.loads((pipeline_path / "meta.json").read_text())
    assert meta[SOURCES_DIGEST_KEY] == sources_digest(
        extra_files=[REPO_ROOT / "nlp" / "red_flag_patterns.yml"]
    )


def test_the_sources_digest_changes_with_any_source_and_only_then(
    tmp_path: Path,
) -> None:
    (tmp_path / "nlp").mkdir()
    wordings = tmp_path / "nlp" / "wordings.yml"
    wordings.write_text("numb: [numb]\n")
    first = sources_digest(tmp_path, globs=["nlp/*.yml"])
    assert sources_digest(tmp_path, globs=["nlp/*.yml"]) == first
    wordings.write_text("numb: [numb, dead]\n")
    assert sources_digest(tmp_path, globs=["nlp/*.yml"]) != first


def test_a_model_loads_beside_the_build_it_was_trained_with(
    pipeline_path: Path, tmp_path: Path
) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = trained_pin(storage, pipeline_path)
    pin = SpacyPipelinePin.load({}, storage, resource, CONTEXT)
    assert pin.pinned == {
        "pipeline": str(pipeline_path),
        "sources": json.loads((pipeline_path / "meta.json").read_text())[
            SOURCES_DIGEST_KEY
        ],
    }


@pytest.mark.parametrize("other_digest", ["0" * 64, None])
def test_a_model_refuses_to_load_beside_another_build(
    pipeline_path: Path, tmp_path: Path, other_digest: str | None
) -> None:
    trained_with = json.loads((pipeline_path / "meta.json").read_text())
    # The same path, rebuilt from other sources (or by another tool) after training.
    pipeline = rebuilt_elsewhere(pipeline_path, tmp_path / "en_hamstring", other_digest)
    storage = LocalModelStorage(tmp_path)
    resource = Resource("train_SpacyPipelinePin0")
    with storage.write_to(resource) as directory:
        (directory / PIN_FILE).write_text(
            json.dumps(
                {"pipeline": str(pipeline), "sources": trained_with[SOURCES_DIGEST_KEY]}
            )
        )
    with pytest.raises(PipelineMismatch, match="make train"):
        SpacyPipelinePin.load({}, storage, resource, CONTEXT)


def test_the_fingerprint_rasas_training_cache_keys_on_follows_the_sources(
    pipeline_path: Path,
) -> None:
    model = SharedSpacyNLP.load_model(str(pipeline_path))
    meta = model.model.meta
    rebuilt = BuiltSpacyModel(model=model.model, model_name=model.model_name)
    assert rebuilt.fingerprint() == model.fingerprint()
    original = meta[SOURCES_DIGEST_KEY]
    try:
        meta[SOURCES_DIGEST_KEY] = "0" * 64
        assert rebuilt.fingerprint() != f"{model.model_name}@{original}"
    finally:
        meta[SOURCES_DIGEST_KEY] = original


def test_rasas_cache_key_for_loading_the_pipeline_follows_a_rebuild(
    pipeline_path: Path, tmp_path: Path
) -> None:
    """The loading node has no inputs: without the addon a rebuild was a cache hit."""
    pipeline = rebuilt_elsewhere(pipeline_path, tmp_path / "en_hamstring", "a" * 64)
    config = {**SharedSpacyNLP.get_default_config(), "model": str(pipeline)}

    def key() -> str:
        return calculate_fingerprint_key(SharedSpacyNLP, config, {})

    first = key()
    assert key() == first
    shutil.rmtree(pipeline)
    rebuilt_elsewhere(pipeline_path, pipeline, "b" * 64)
    assert key() != first


def test_the_pin_changes_no_message(pipeline_path: Path, tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = trained_pin(storage, pipeline_path)
    pin = SpacyPipelinePin.load({}, storage, resource, CONTEXT)
    model = SharedSpacyNLP.load_model(str(pipeline_path))
    message = Message.build(text="my calf is cold and white")
    assert pin.process([message], model) == [message]
    assert message.as_dict() == {"text": "my calf is cold and white"}


@pytest.mark.parametrize("schema", ["train_schema", "predict_schema"])
def test_the_projects_graph_gives_the_pin_the_served_pipeline(schema: str) -> None:
    nodes = project_graph_nodes(schema)
    pins = [node for node in nodes.values() if node.uses is SpacyPipelinePin]
    provider = next(name for name in nodes if name.startswith("provide_"))
    assert pins
    assert all(node.needs["model"] == provider for node in pins)
