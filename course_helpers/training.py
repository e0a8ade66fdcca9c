"""Keras training plumbing shared by the notebooks' experiments."""

import keras


def build_before_fit(model, x, y):
    """Create a compiled model's optimizer, loss and metric variables from one example, before ``fit``.

    Without a distribution strategy, Keras on TensorFlow creates these variables while it traces the training
    step (``keras/src/backend/tensorflow/trainer.py``, ``_maybe_symbolic_build``), and TensorFlow traces a
    function a second time when its first trace created variables. Built beforehand, the step is traced once:
    the training is the same, a second or more sooner. On JAX it does no harm. ``y`` is one array of labels, or
    a list of them for a model with several outputs.
    """
    if getattr(model, "optimizer", None) is None:
        raise ValueError("build_before_fit needs a compiled model: call model.compile(...) first.")
    first_x = keras.tree.map_structure(lambda values: values[:1], x)
    first_y = keras.tree.map_structure(lambda values: values[:1], y)
    outputs = model(first_x, training=False)
    model.compute_loss(first_x, first_y, outputs, training=False)
    model.compute_metrics(first_x, first_y, outputs, sample_weight=None)  # fit resets metrics at every epoch
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
