"""The project's Rasa graph, as Rasa's recipe builds it from ``config.yml``."""

from rasa.engine.graph import SchemaNode
from rasa.engine.recipes.recipe import Recipe
from rasa.shared.data import TrainingType
from rasa.shared.utils.io import read_yaml_file

from tests.helpers.paths import REPO_ROOT


def project_graph_nodes(schema: str) -> dict[str, SchemaNode]:
    """The nodes of ``schema`` ("train_schema" or "predict_schema") of the project."""
    config = read_yaml_file(REPO_ROOT / "config.yml")
    recipe = Recipe.recipe_for_name(config.get("recipe"))
    graph = recipe.graph_config_for_recipe(config, {}, TrainingType.BOTH)
    return dict(getattr(graph, schema).nodes)
