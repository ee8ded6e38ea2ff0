import pytest

from featurevision.datasets import load_digits
from featurevision.models import CNNClassifier

pytest.importorskip("torch")

TINY = dict(width=4, depth=1, n_stages=1, batch_size=8, crop_padding=0, flip=False, n_threads=1, random_state=0)


@pytest.fixture(scope="module")
def small():
    digits = load_digits()
    return digits.images[:20], digits.target[:20] % 2


def test_a_small_dataset_trains_for_at_least_min_steps(small):
    # 20 images in batches of 8: 3 steps an epoch, so 10 steps need 4 epochs.
    est = CNNClassifier(epochs=1, min_steps=10, **TINY).fit(*small)
    assert est.n_iter_ == 4


def test_enough_epochs_are_kept_and_zero_min_steps_makes_epochs_exact(small):
    assert CNNClassifier(epochs=5, min_steps=6, **TINY).fit(*small).n_iter_ == 5
    assert CNNClassifier(epochs=2, min_steps=0, **TINY).fit(*small).n_iter_ == 2


def test_min_steps_must_be_a_non_negative_int(small):
    with pytest.raises(ValueError, match="min_steps"):
        CNNClassifier(min_steps=-1, **TINY).fit(*small)
