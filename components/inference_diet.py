"""Rasa's ``DIETClassifier``, loaded for inference only: no training step at load.

Rasa's ``RasaModel.load`` builds DIET's weights by compiling the model with Adam and
fitting it on one example, then restores the trained weights over them and traces
the inference function. The fit traces the whole training graph (loss, gradients,
the optimiser's update) and creates Adam's two slots for every weight, none of which
a server ever uses: 269 MB of its resident memory (``make bench-memory``).

This subclass builds the same weights by running one inference eagerly (which creates
every layer inference uses, the label embeddings included), restores the checkpoint
over them, checks that every weight it created was restored (the optimiser's slots
in the checkpoint are left unread), then traces the inference function with the
restored weights, as Rasa does. Training, persisting and loading for fine-tuning are
Rasa's own::

    - name: components.inference_diet.InferenceDIETClassifier
"""

from __future__ import annotations

import copy
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.constants import RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class InferenceDIETClassifier(DIETClassifier):
    """``DIETClassifier`` whose model is loaded without fitting an example first."""

    @classmethod
    def _load_model_class(
        cls,
        tf_model_file: str,
        model_data_example: RasaModelData,
        label_data: RasaModelData,
        entity_tag_specs: list[Any],
        config: dict[str, Any],
        finetune_mode: bool,
    ) -> RasaModel:
        """DIET with the weights of ``tf_model_file``, ready for inference.

        Fine-tuning continues training, so it loads the way Rasa does.
        """
        if finetune_mode:
            return super()._load_model_class(
                tf_model_file,
                model_data_example,
                label_data,
                entity_tag_specs,
                config,
                finetune_mode,
            )
        predict_data_example = RasaModelData(
            label_key=model_data_example.label_key,
            data={
                name: features
                for name, features in model_data_example.items()
                if TEXT in name
            },
        )
        model = cls.model_class()(
            data_signature=model_data_example.get_signature(),
            label_data=label_data,
            entity_tag_specs=entity_tag_specs,
            config=copy.deepcopy(config),
        )
        # One eager inference creates the weights (nothing is traced yet, so nothing
        # holds on to the untrained values).
        model.run_eagerly = True
        model.run_inference(predict_data_example)
        model.load_weights(
            tf_model_file
        ).expect_partial().assert_existing_objects_matched()
        # The label embeddings were computed with the untrained weights: again, now
        # traced as Rasa traces them (the first prediction is then fast).
        model.run_eagerly = config[RUN_EAGERLY]
        model.prepared_for_prediction = False
        model.run_inference(predict_data_example)
        return model
