"""Offline-first datasets for the notebooks, each verified by checksum before it is used.

``fashion_mnist(subset=True)`` reads the stratified subset committed in ``data/`` (quick mode, tests,
grading: nothing is downloaded). ``fashion_mnist(subset=False)`` loads the whole set from the first
source that works, in this order:

1. Debian's package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist/``, offline;
   ``make data-full`` installs it as root, Binder installs it from ``apt.txt``);
2. a copy of the four files in ``$KERAS_HOME/datasets/fashion-mnist/`` (``~/.keras`` by default);
3. ``keras.datasets.fashion_mnist.load_data()``, which downloads when a network is there.

Every source is checked against the sha256 of the *decompressed* IDX files (the ``.gz`` bytes differ
between copies that hold the same data), so a corrupted or different copy is refused by name.
Importing this module has no side effects.
"""

import gzip
import hashlib
import io
import os
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SUBSET_FILE = "fashion_mnist_subset.npz"
# sha256 of the committed file, see data/MANIFEST.md (rebuilt byte for byte by data/make_fashion_mnist_subset.py)
SUBSET_SHA256 = "035a24329ada85ea6c907bf2850d41d6fd3062b6da06d642f17817372b802b37"

# The grader's own held-out images (data/grader/): hidden from a student's kernel while it is graded.
HELDOUT_FILE = "grader/fashion_mnist_heldout.npz"
HELDOUT_SHA256 = "60b8a0a15bb629d0f6d7326fee6b1e2e38655b2015e816acee8a3e6e049c75e2"

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

# sha256 of each file after gunzip (the IDX bytes: header and data), as published by Zalando SE.
FULL_FILES = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

HOW_TO_GET_THE_FULL_SET = (
    "The full Fashion-MNIST set was not found. Any one of these works:\n"
    "  1. Debian/Ubuntu: `make data-full` (as root), i.e. `apt-get install dataset-fashion-mnist`,\n"
    f"     which puts the four files in {DEBIAN_DIR}/ (Binder installs it from apt.txt);\n"
    "  2. copy the four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,\n"
    "     t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) into $KERAS_HOME/datasets/fashion-mnist/\n"
    "     ($KERAS_HOME is ~/.keras unless set);\n"
    "  3. with a network (Colab, Binder): keras.datasets.fashion_mnist.load_data() downloads them.\n"
    "Quick mode needs none of this: fashion_mnist(subset=True) reads the subset committed in data/."
)


class ChecksumError(ValueError):
    """A data file is there but its content is not the one the course was made with."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fashion_mnist(subset: bool = True):
    """Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``: uint8 images (N, 28, 28), uint8 labels 0–9.

    ``subset=True``: 6,000 training and 1,000 test images, stratified (600 and 100 per class), from
    ``data/fashion_mnist_subset.npz``. ``subset=False``: all 60,000 + 10,000 (see the module's docstring).
    """
    if subset:
        return load_subset()
    return load_full()


def load_subset(path: Path | None = None):
    """The committed subset, refused if its sha256 differs from the manifest's."""
    path = Path(path) if path is not None else DATA_DIR / SUBSET_FILE
    arrays = verified_arrays(path, SUBSET_SHA256, "it is part of the repository (see data/MANIFEST.md); restore it"
                                                  " with git, or rebuild it with data/make_fashion_mnist_subset.py.")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def fashion_mnist_heldout():
    """``(x, y)``: 1,000 test images of Fashion-MNIST (100 per class) that are not in the subset, for the
    grader's hidden tests. While a notebook is graded the file is hidden from the student's kernel, so an
    answer can neither read these labels nor train on them: the grader sends the images, the answer returns
    its predictions, and the grader compares them with the labels."""
    arrays = verified_arrays(DATA_DIR / HELDOUT_FILE, HELDOUT_SHA256, "it is the grader's own held-out set, hidden"
                                                                      " from a student's kernel while it is graded"
                                                                      " (see data/MANIFEST.md).")
    return arrays["x"], arrays["y"]


def verified_arrays(path: Path, sha256: str, why_missing: str) -> dict:
    """The arrays of an .npz file whose sha256 must be ``sha256``; FileNotFoundError says ``why_missing``."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing or cannot be read here: {why_missing}")
    data = path.read_bytes()
    digest = sha256_bytes(data)
    if digest != sha256:
        raise ChecksumError(f"{path} has sha256 {digest}, expected {sha256} (data/MANIFEST.md): the file "
                            "is corrupted or was changed; restore it with git.")
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return dict(arrays)


def load_full():
    """The whole set from the first source that works; one message naming all three when none does."""
    problems = []
    for name, directory in (("Debian package", DEBIAN_DIR), ("$KERAS_HOME copy", keras_cache_dir())):
        if not all((directory / f).is_file() for f in FULL_FILES):
            problems.append(f"{name}: no files in {directory}")
            continue
        return read_idx_folder(directory)  # present but wrong: ChecksumError, not a silent fallback
    try:
        return _load_with_keras()
    except ChecksumError:
        raise
    except Exception as error:  # no network, no Keras, a proxy page instead of the file …
        problems.append(f"keras.datasets.fashion_mnist: {type(error).__name__}: {error}")
    raise FileNotFoundError(HOW_TO_GET_THE_FULL_SET + "\nTried:\n  - " + "\n  - ".join(problems))


def keras_cache_dir() -> Path:
    """Where Keras keeps downloaded datasets: ``$KERAS_HOME/datasets/fashion-mnist`` (``~/.keras`` by default)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "fashion-mnist"


def read_idx_folder(directory: Path):
    """Read and verify the four gzipped IDX files in ``directory``."""
    arrays = [read_idx(Path(directory) / name) for name in FULL_FILES]
    y_train, x_train = arrays[1], arrays[0]
    y_test, x_test = arrays[3], arrays[2]
    return (x_train, y_train), (x_test, y_test)


def read_idx(path: Path) -> np.ndarray:
    """One gzipped IDX file as a uint8 array, after checking the sha256 of its decompressed bytes."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise ChecksumError(f"{path} is not a readable gzip file ({error}): the copy is corrupted; "
                            "delete it and get it again (see fashion_mnist's docstring).") from error
    expected = FULL_FILES[path.name]
    digest = sha256_bytes(raw)
    if digest != expected:
        raise ChecksumError(f"{path}: the decompressed file has sha256 {digest}, expected {expected}: "
                            "the copy is corrupted or is not Fashion-MNIST; delete it and get it again.")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape).copy()


def _load_with_keras():
    """Let Keras fetch the files (network), then verify what it returns exactly like the other sources."""
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    for name, array in zip(FULL_FILES, (x_train, y_train, x_test, y_test)):
        digest = sha256_bytes(idx_bytes(array))
        if digest != FULL_FILES[name]:
            raise ChecksumError(f"keras.datasets.fashion_mnist returned a {name[:-3]} whose IDX bytes have sha256 "
                                f"{digest}, expected {FULL_FILES[name]}: delete the copy in Keras's cache "
                                f"({keras_cache_dir()}) and download it again.")
    return (x_train, y_train), (x_test, y_test)


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX file that holds a uint8 array (magic 0x0000 08 ndim, big-endian sizes, data): the inverse of read_idx."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.tobytes()


def stratified_indices(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """``per_class`` indices of each label, drawn without replacement, in a shuffled order."""
    labels = np.asarray(labels)
    chosen = [rng.choice(np.flatnonzero(labels == c), size=per_class, replace=False)
              for c in np.unique(labels)]
    picked = np.concatenate(chosen)
    return picked[rng.permutation(picked.size)]
