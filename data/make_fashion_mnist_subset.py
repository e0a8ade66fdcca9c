"""Build data/fashion_mnist_subset.npz (quick mode, tests, grading) and data/grader/fashion_mnist_heldout.npz
(the grader's own held-out images, which a student's kernel never sees): stratified subsets of Fashion-MNIST.

The subset: 600 training images per class (6,000) drawn from the 60,000 training images and 100 test images per
class (1,000) drawn from the 10,000 test images, without replacement, with NumPy's default_rng(20260523).
The held-out set: 100 more test images per class (1,000), none of them in the subset, drawn with
default_rng(20261204).
The full set comes from course_helpers.data.fashion_mnist(subset=False), so it is verified by checksum first.
The .npz is written with fixed zip timestamps, so rerunning the script gives the same bytes (same NumPy and
zlib), and prints the sha256 to put in data/MANIFEST.md and course_helpers/data.py.

    python data/make_fashion_mnist_subset.py
"""

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from course_helpers import data  # noqa: E402

SEED = 20260523
TRAIN_PER_CLASS = 600
TEST_PER_CLASS = 100
HELDOUT_SEED = 20261204
HELDOUT_PER_CLASS = 100


def write_npz(path: Path, arrays: dict) -> None:
    """Like np.savez_compressed, but with a fixed timestamp on every member so the bytes are reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main() -> None:
    (x_train, y_train), (x_test, y_test) = data.fashion_mnist(subset=False)
    rng = np.random.default_rng(SEED)
    train = data.stratified_indices(y_train, TRAIN_PER_CLASS, rng)
    test = data.stratified_indices(y_test, TEST_PER_CLASS, rng)
    out = data.DATA_DIR / data.SUBSET_FILE
    write_npz(out, {"x_train": x_train[train], "y_train": y_train[train],
                    "x_test": x_test[test], "y_test": y_test[test],
                    "train_indices": train.astype(np.int32), "test_indices": test.astype(np.int32)})
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"{out}: {out.stat().st_size} bytes, sha256 {digest}")

    rest = np.setdiff1d(np.arange(len(y_test)), test)
    heldout = rest[data.stratified_indices(y_test[rest], HELDOUT_PER_CLASS, np.random.default_rng(HELDOUT_SEED))]
    out = data.DATA_DIR / data.HELDOUT_FILE
    out.parent.mkdir(exist_ok=True)
    write_npz(out, {"x": x_test[heldout], "y": y_test[heldout], "test_indices": heldout.astype(np.int32)})
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"{out}: {out.stat().st_size} bytes, sha256 {digest}")


if __name__ == "__main__":
    main()
