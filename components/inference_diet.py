"""Rasa's ``DIETClassifier``, loaded for inference only: no training step at load.

Rasa's ``RasaModel.load`` builds DIET's weights by compiling the model with Adam and
fitting it on one example, then restores the trained weights over them and traces
the inference function. The fit traces the whole training graph (loss, gradients,
the optimiser's update) and creates Adam's two slots for every weight, none of which
a server ever uses: 269 MB of its resident memory (``make bench-memory``).

This subclass reads the checkpoint into the model before its weights exist, then runs
one inference: TensorFlow gives each weight its trained value as the inference creates
it (every weight inference uses, the label embeddings' included; the optimiser's slots
in the checkpoint are left unread), and Rasa traces the inference function then, as
its own load does. That every weight was restored is checked. Training, persisting and
loading for fine-tuning are Rasa's own::

    - name: components.inference_diet.InferenceDIETClassifier
"""

from __future__ import annotations

import copy
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
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
        # Restored as they are created: the first inference builds every weight it
        # uses (the label embeddings' too) with its trained value, and traces the
        # inference function as Rasa's load does (the first message is then fast).
        restored = model.load_weights(tf_model_file).expect_partial()
        model.run_inference(predict_data_example)
        restored.assert_existing_objects_matched()
        return model
