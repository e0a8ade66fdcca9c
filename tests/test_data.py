"""course_helpers.data: the committed subset, the offline sources of the full set, and their checksums.

No test downloads anything: the sockets are closed and Keras's loader is replaced by one that fails.
The full-set tests use small fake IDX files whose checksums are patched in, so they need no Debian package.
"""

import gzip
import hashlib
import shutil
import socket
import subprocess
import sys

import numpy as np
import pytest

from course_helpers import data


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test loudly."""
    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def keras_loader_calls(monkeypatch):
    """Replace keras.datasets.fashion_mnist.load_data by one that fails (as it does offline) and counts calls."""
    import keras

    calls = []

    def offline():
        calls.append(1)
        raise OSError("URL fetch failure: no network in tests")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    return calls


def fake_full_set(folder, rng, n_train=20, n_test=10):
    """Write four small gzipped IDX files like Fashion-MNIST's; return the arrays and their checksums."""
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    sums = {}
    for name, array in arrays.items():
        raw = data.idx_bytes(array)
        (folder / name).write_bytes(gzip.compress(raw))
        sums[name] = hashlib.sha256(raw).hexdigest()
    return arrays, sums


@pytest.fixture
def sources(tmp_path, monkeypatch):
    """Empty Debian and $KERAS_HOME locations under tmp_path."""
    debian = tmp_path / "debian"
    keras_home = tmp_path / "keras_home"
    monkeypatch.setattr(data, "DEBIAN_DIR", debian)
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    return debian, keras_home / "datasets" / "fashion-mnist"


def test_subset_has_the_documented_shapes_and_types():
    """Does the committed subset hold 6,000 + 1,000 uint8 images of 28×28 with labels 0–9?"""
    (x_train, y_train), (x_test, y_test) = data.fashion_mnist(subset=True)
    assert x_train.shape == (6000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert y_train.shape == (6000,) and y_test.shape == (1000,)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert x_train.max() == 255 and x_train.min() == 0


def test_subset_is_stratified():
    """Does every class have exactly 600 training and 100 test images, in a shuffled order?"""
    (_, y_train), (_, y_test) = data.fashion_mnist(subset=True)
    assert np.bincount(y_train).tolist() == [600] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    assert len(set(y_train[:30].tolist())) > 3  # not sorted by class


def test_subset_matches_the_manifest():
    """Is the committed file the one whose sha256 data/MANIFEST.md lists?"""
    digest = hashlib.sha256((data.DATA_DIR / data.SUBSET_FILE).read_bytes()).hexdigest()
    assert digest == data.SUBSET_SHA256
    assert data.SUBSET_SHA256 in (data.DATA_DIR / "MANIFEST.md").read_text()


def test_heldout_set_is_stratified_new_and_in_the_manifest():
    """Does the grader's held-out set hold 100 test images per class, none of them in the subset, as listed?"""
    x, y = data.fashion_mnist_heldout()
    assert x.shape == (1000, 28, 28) and x.dtype == y.dtype == np.uint8
    assert np.bincount(y).tolist() == [100] * 10
    with np.load(data.DATA_DIR / data.HELDOUT_FILE) as heldout, np.load(data.DATA_DIR / data.SUBSET_FILE) as subset:
        assert not set(heldout["test_indices"].tolist()) & set(subset["test_indices"].tolist())
    assert data.HELDOUT_SHA256 in (data.DATA_DIR / "MANIFEST.md").read_text()


def test_heldout_set_missing_says_why(monkeypatch, tmp_path):
    """Where the held-out set cannot be read (a student's kernel while graded), does the message say why?"""
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="the grader's own held-out set"):
        data.fashion_mnist_heldout()


def test_corrupted_subset_is_refused(tmp_path):
    """Is a subset with one changed byte refused with a message that says what to do?"""
    copy = tmp_path / data.SUBSET_FILE
    content = bytearray((data.DATA_DIR / data.SUBSET_FILE).read_bytes())
    content[len(content) // 2] ^= 0xFF
    copy.write_bytes(bytes(content))
    with pytest.raises(data.ChecksumError, match="corrupted or was changed; restore it with git"):
        data.load_subset(copy)


def test_missing_subset_says_how_to_restore(tmp_path):
    """Does a missing subset name the manifest and the script that rebuilds it?"""
    with pytest.raises(FileNotFoundError, match="make_fashion_mnist_subset.py"):
        data.load_subset(tmp_path / "nothing.npz")


def test_full_set_from_the_debian_folder(sources, monkeypatch, keras_loader_calls):
    """With Debian's files present, are they read and verified, without asking Keras?"""
    debian, _ = sources
    arrays, sums = fake_full_set(debian, np.random.default_rng(0))
    monkeypatch.setattr(data, "FULL_FILES", sums)
    (x_train, y_train), (x_test, y_test) = data.fashion_mnist(subset=False)
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert x_train.shape == (20, 28, 28) and y_test.shape == (10,)
    assert keras_loader_calls == []


def test_full_set_from_the_keras_home_copy(sources, monkeypatch, keras_loader_calls):
    """Without Debian's package, is the copy in $KERAS_HOME/datasets/fashion-mnist/ used, offline?"""
    _, keras_copy = sources
    arrays, sums = fake_full_set(keras_copy, np.random.default_rng(1))
    monkeypatch.setattr(data, "FULL_FILES", sums)
    (x_train, _), _ = data.fashion_mnist(subset=False)
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    assert keras_loader_calls == []


def test_no_source_gives_one_message_naming_all_three(sources, keras_loader_calls):
    """Offline with no copy: does one error name the Debian package, $KERAS_HOME and keras.datasets?"""
    with pytest.raises(FileNotFoundError) as caught:
        data.fashion_mnist(subset=False)
    message = str(caught.value)
    for way in ("make data-full", "apt-get install dataset-fashion-mnist", "$KERAS_HOME/datasets/fashion-mnist/",
                "keras.datasets.fashion_mnist.load_data()", "no network in tests"):
        assert way in message
    assert keras_loader_calls == [1]


def test_corrupted_full_file_is_refused(sources, monkeypatch, keras_loader_calls):
    """Is a Debian copy with one changed pixel refused by name, not silently replaced by another source?"""
    debian, _ = sources
    arrays, sums = fake_full_set(debian, np.random.default_rng(2))
    monkeypatch.setattr(data, "FULL_FILES", sums)
    images = arrays["t10k-images-idx3-ubyte.gz"].copy()
    images[0, 0, 0] ^= 1
    (debian / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(data.idx_bytes(images)))
    with pytest.raises(data.ChecksumError, match="t10k-images-idx3-ubyte.gz.*corrupted or is not Fashion-MNIST"):
        data.fashion_mnist(subset=False)
    assert keras_loader_calls == []


def test_truncated_gzip_is_refused(sources, monkeypatch):
    """Is a half-copied .gz refused as corrupted rather than crashing inside gzip?"""
    debian, _ = sources
    _, sums = fake_full_set(debian, np.random.default_rng(3))
    monkeypatch.setattr(data, "FULL_FILES", sums)
    path = debian / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(data.ChecksumError, match="not a readable gzip file"):
        data.fashion_mnist(subset=False)


def test_what_keras_returns_is_verified_too(sources, monkeypatch):
    """If keras.datasets returns arrays that are not the checked ones, are they refused?"""
    import keras

    rng = np.random.default_rng(4)
    wrong = ((rng.integers(0, 256, (3, 28, 28), dtype=np.uint8), np.zeros(3, np.uint8)),
             (rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), np.zeros(2, np.uint8)))
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: wrong)
    with pytest.raises(data.ChecksumError, match="keras.datasets.fashion_mnist returned"):
        data.fashion_mnist(subset=False)


def test_idx_bytes_inverts_read_idx(tmp_path, monkeypatch):
    """Does writing an array as IDX and reading it back give the same array?"""
    array = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    raw = data.idx_bytes(array)
    assert raw[:4] == bytes([0, 0, 8, 3]) and int.from_bytes(raw[4:8], "big") == 2
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(raw))
    monkeypatch.setitem(data.FULL_FILES, path.name, hashlib.sha256(raw).hexdigest())
    np.testing.assert_array_equal(data.read_idx(path), array)


@pytest.mark.skipif(not (data.DEBIAN_DIR / "train-images-idx3-ubyte.gz").is_file(),
                    reason="Debian's dataset-fashion-mnist is not installed (make data-full)")
def test_the_real_debian_files_pass_their_checksums(tmp_path):
    """When the package is installed, do its files match the manifest's checksums (the labels: small, fast)?"""
    for name in ("train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        labels = data.read_idx(data.DEBIAN_DIR / name)
        assert np.bincount(labels).tolist() == [len(labels) // 10] * 10
    shutil.copy(data.DEBIAN_DIR / "t10k-images-idx3-ubyte.gz", tmp_path)
    assert data.read_idx(tmp_path / "t10k-images-idx3-ubyte.gz").shape == (10000, 28, 28)


def test_importing_the_module_has_no_side_effects():
    """Does `import course_helpers.data` read no file and import no framework?"""
    code = ("import sys, builtins; opened = []; real = builtins.open\n"
            "builtins.open = lambda *a, **k: (opened.append(a[0]), real(*a, **k))[1]\n"
            "import course_helpers.data\n"
            "assert not any('fashion' in str(p) for p in opened), opened\n"
            "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
