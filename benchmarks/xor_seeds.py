"""How often does a 2-H-1 tanh network learn XOR from a random start? (notebook 01, section 8)

    python benchmarks/xor_seeds.py HIDDEN LEARNING_RATE EPOCHS FIRST_SEED NUM_SEEDS

Trains with Keras exactly as notebook 01 does (tanh hidden layer, sigmoid output, Adam, binary
cross-entropy, the four examples tiled 64 times, batch size 4) and prints one line: seeds solved and
the final loss of each failure. The recorded results are in benchmarks/xor_seeds.md.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
y = np.array([0, 1, 1, 0], "float32")
X_train, y_train = np.tile(X, (64, 1)), np.tile(y, 64)


def solves_xor(seed: int, hidden: int, learning_rate: float, epochs: int) -> tuple[bool, float]:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(hidden, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
    history = model.fit(X_train, y_train, epochs=epochs, batch_size=4, verbose=0)
    outputs = keras.ops.convert_to_numpy(model(X)).ravel()
    return bool(np.array_equal(outputs > 0.5, y > 0.5)), history.history["loss"][-1]


def main() -> None:
    hidden, learning_rate, epochs, first, count = (int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]),
                                                   int(sys.argv[4]), int(sys.argv[5]))
    start = time.time()
    failures = []
    for seed in range(first, first + count):
        solved, loss = solves_xor(seed, hidden, learning_rate, epochs)
        if not solved:
            failures.append((seed, round(loss, 4)))
    print(f"2-{hidden}-1 tanh Adam({learning_rate}) epochs={epochs}: solved {count - len(failures)}/{count} seeds"
          f" ({first}..{first + count - 1}) in {time.time() - start:.0f} s; failures (seed, final loss): {failures}")


if __name__ == "__main__":
    main()
