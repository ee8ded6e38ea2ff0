import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from featurevision.datasets import load_textures
from featurevision.features import TinyImage
from featurevision.preprocessing import Denoise, Normalize, Resize, ToGray, augment


def test_resize_stacks_mixed_sizes_and_keeps_aspect(camera):
    out = Resize(32).fit_transform([camera, camera[:100, :300]])
    assert out.shape == (2, 32, 32) and out.dtype == np.uint8
    padded = Resize((32, 32), keep_aspect=True).fit_transform([np.full((10, 40), 200, np.uint8)])
    assert padded.shape == (1, 32, 32) and (padded == 200).all()


def test_to_gray_and_normalize(color_batch):
    gray = ToGray().fit_transform(color_batch)
    assert gray.shape == color_batch.shape[:3] and gray.dtype == np.uint8
    assert ToGray("float32").fit_transform(color_batch).max() <= 1.0
    std = Normalize("standardize").fit_transform(gray)
    np.testing.assert_allclose(std.mean(axis=(1, 2)), 0, atol=1e-5)
    eq = Normalize("equalize").fit_transform(gray // 4)
    assert eq.std() > (gray // 4).std()  # equalisation stretches a compressed range
    assert Normalize("equalize").fit_transform(color_batch).shape == color_batch.shape
    with pytest.raises(ValueError, match="method must be"):
        Normalize("bogus").fit(gray)


@pytest.mark.parametrize("method", ["gaussian", "median", "bilateral", "nlmeans"])
def test_denoise_reduces_noise_on_a_real_texture(method):
    clean = load_textures().images[:2]
    rng = np.random.default_rng(0)
    noisy = np.clip(clean + rng.normal(0, 25, clean.shape), 0, 255).astype(np.uint8)
    denoised = Denoise(method, strength=1.5).fit_transform(noisy)
    err = lambda a: np.abs(a.astype(float) - clean).mean()  # noqa: E731
    assert err(denoised) < err(noisy)


def test_errors_name_the_image():
    with pytest.raises(ValueError, match="image 1"):
        Resize(8).fit_transform([np.zeros((4, 4)), np.zeros((0, 4))])


def test_augment_is_deterministic_and_changes_images(small_batch):
    y = np.arange(len(small_batch))
    X1, y1 = augment(small_batch, y, n_copies=2, random_state=3)
    X2, _ = augment(small_batch, y, n_copies=2, random_state=3)
    np.testing.assert_array_equal(X1, X2)
    assert X1.shape == (3 * len(small_batch), 64, 64) and y1.tolist() == list(y) * 3
    np.testing.assert_allclose(X1[: len(y)], small_batch / 255.0, atol=1e-6)
    assert np.abs(X1[len(y):2 * len(y)] - X1[: len(y)]).mean() > 0.01
    with pytest.raises(ValueError, match="labels"):
        augment(small_batch, y[:-1])


def test_preprocessing_composes_in_a_pipeline(color_batch):
    pipe = make_pipeline(ToGray(), Resize(16), TinyImage(size=4))
    assert pipe.fit_transform(list(color_batch)).shape == (4, 16)
