import keras
import numpy as np
import pytest

from course_helpers import training


def two_output_model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((5,))
    hidden = keras.layers.Dropout(0.2)(keras.layers.Dense(8, activation="relu")(inputs))
    outputs = [keras.layers.Dense(3, name="first")(hidden),
               keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L2(1e-3), name="second")(hidden)]
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True)] * 2,
                  metrics=[["accuracy"]] * 2)
    return model


def data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 5)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1).astype("int64")


def traces_of_the_training_step(model):
    # train_step's Python body runs once per trace of the compiled step, never per step after that.
    traces = []
    step = model.train_step

    def counted(batch):
        traces.append(1)
        return step(batch)

    model.train_step = counted
    return traces


@pytest.mark.parametrize("build_first, expected_traces", [(False, 2), (True, 1)])
def test_the_training_step_is_traced_once_when_built_first(build_first, expected_traces):
    """Does TensorFlow trace fit's step twice for a fresh compiled model, and once after build_before_fit?"""
    x, y = data()
    model = two_output_model()
    if build_first:
        training.build_before_fit(model, x, [y, y])
    traces = traces_of_the_training_step(model)
    model.fit(x, [y, y], batch_size=16, epochs=2, verbose=0)
    assert len(traces) == expected_traces


def test_training_is_the_same_with_or_without_it():
    """Same seed, same data: are the losses, metrics and weights after fit identical?"""
    x, y = data()
    results = []
    for build_first in (False, True):
        model = two_output_model()
        if build_first:
            training.build_before_fit(model, x, [y, y])
        history = model.fit(x, [y, y], batch_size=16, epochs=3, verbose=0, validation_data=(x, [y, y]))
        results.append((history.history, model.get_weights()))
    (history, weights), (history_built, weights_built) = results
    assert history == history_built
    for before, after in zip(weights, weights_built, strict=True):
        np.testing.assert_array_equal(before, after)


def test_an_uncompiled_model_is_refused_with_a_message():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="compile"):
        training.build_before_fit(model, *data())
