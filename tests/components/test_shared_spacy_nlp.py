"""SharedSpacyNLP: one loaded spaCy pipeline for both of the graph nodes Rasa makes of it."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.utils.spacy_utils import SpacyNLP

from components.shared_spacy_nlp import SharedSpacyNLP
from tests.helpers.graph import project_graph_nodes


def created(
    component: type[SpacyNLP], pipeline_path: Path, tmp_path: Path, name: str
) -> SpacyNLP:
    """``component`` created as Rasa's graph creates each node's."""
    return component.create(
        {**component.get_default_config(), "model": str(pipeline_path)},
        LocalModelStorage(tmp_path),
        Resource(name),
        ExecutionContext(GraphSchema({}), "test"),
    )


def test_both_nodes_share_one_loaded_pipeline(
    pipeline_path: Path, tmp_path: Path
) -> None:
    provider = created(SharedSpacyNLP, pipeline_path, tmp_path, "provide")
    runner = created(SharedSpacyNLP, pipeline_path, tmp_path, "run")
    assert runner.provide().model is provider.provide().model


def test_rasas_own_component_loads_the_pipeline_again(
    pipeline_path: Path, tmp_path: Path
) -> None:
    """Why the subclass exists: each node of SpacyNLP holds its own copy."""
    provider = created(SpacyNLP, pipeline_path, tmp_path, "provide")
    runner = created(SpacyNLP, pipeline_path, tmp_path, "run")
    assert runner.provide().model is not provider.provide().model


@pytest.mark.parametrize("schema", ["train_schema", "predict_schema"])
def test_the_projects_graph_feeds_its_pipeline_to_the_run_node(schema: str) -> None:
    nodes = project_graph_nodes(schema)
    providers = [n for n, node in nodes.items() if n.startswith("provide_")]
    runner = next(
        node
        for name, node in nodes.items()
        if name.startswith("run_") and node.uses is SharedSpacyNLP
    )
    assert [nodes[p].uses for p in providers] == [SharedSpacyNLP]
    assert runner.needs["model"] == providers[0]
