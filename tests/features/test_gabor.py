"""GaborBank: responses equal skimage.filters.gabor, energy peaks at the matching filter."""

import pickle

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.filters import gabor, gabor_kernel

from featurevision._validation import check_angles
from featurevision.features import GaborBank
from featurevision.features import gabor as gabor_module
from featurevision.features.gabor import (
    gabor_kernels,
    gabor_responses,
)


def _complex(real, imag):
    return real + 1j * imag


def _skimage_responses(image, frequencies, orientations, sigma=None, **kwargs):
    if sigma is not None:
        kwargs.update(sigma_x=sigma, sigma_y=sigma)
    return np.stack([
        np.stack([_complex(*gabor(image, f, t, **kwargs))
                  for t in check_angles(orientations)])
        for f in frequencies
    ])


@pytest.mark.parametrize("orientations, kwargs", [
    (4, {}),
    ([0.3, 1.0, 2.5], {"bandwidth": 1.5}),
    (3, {"sigma": 2.5, "n_stds": 2}),
])
def test_responses_equal_skimage_gabor(camera, orientations, kwargs):
    image = camera[200:248, 150:220] / 255.0  # float64, 48×70: the kernels' pads fit inside
    frequencies = [0.08, 0.15, 0.4]
    ours = gabor_responses(image, frequencies, orientations, **kwargs)
    reference = _skimage_responses(image, frequencies, orientations, **kwargs)
    assert ours.dtype == np.complex64 and ours.shape == reference.shape
    # complex64 arithmetic against skimage's float64 spatial convolution.
    np.testing.assert_allclose(ours, reference, rtol=0, atol=2e-6)


def test_tiny_images_use_the_periodic_mirror():
    """An image smaller than the kernel's half-size is extended as a periodic mirror.

    That is what ndi's ``mode="reflect"`` documents (``d c b a | a b c d | d c b a``), but
    ``ndi.convolve`` itself (scipy 1.17) departs from it when the kernel is more than
    twice the image: 6e-4 apart on a 3×3 image and 2.6e61 on a 4×4 one for the 69-tap
    kernel of frequency 0.05. So the reference here is ``ndi.convolve`` on an image
    padded explicitly with ``np.pad(mode="symmetric")``, then cropped.
    """
    image = np.random.default_rng(0).random((4, 3))
    kernel = gabor_kernel(0.1, np.pi / 3)
    ry, rx = kernel.shape[0] // 2, kernel.shape[1] // 2
    padded = np.pad(image, ((ry, ry), (rx, rx)), mode="symmetric")
    reference = (ndi.convolve(padded, kernel.real) + 1j * ndi.convolve(padded, kernel.imag))
    ours = gabor_responses(image, [0.1], [np.pi / 3])[0, 0]
    np.testing.assert_allclose(ours, reference[ry:-ry, rx:-rx], rtol=0, atol=1e-6)


def _grating(frequency, theta, size=128):
    y, x = np.mgrid[:size, :size]
    return 0.5 + 0.5 * np.cos(2 * np.pi * frequency * (x * np.cos(theta) + y * np.sin(theta)))


@pytest.mark.parametrize("f_index, o_index", [(0, 0), (1, 2), (2, 4), (1, 5), (2, 1)])
def test_energy_peaks_at_the_filter_matching_a_grating(f_index, o_index):
    frequencies, orientations = (0.08, 0.16, 0.32), 6
    bank = GaborBank(frequencies=frequencies, orientations=orientations, stats=("energy",))
    image = _grating(frequencies[f_index], check_angles(orientations)[o_index])
    energy = bank.fit_transform(image[None]).reshape(len(frequencies), orientations)
    assert np.unravel_index(energy.argmax(), energy.shape) == (f_index, o_index)


def test_stats_and_cells_pool_the_magnitudes(small_batch):
    bank = GaborBank(frequencies=(0.1, 0.3), orientations=2, stats=("mean", "std", "energy"),
                     grid=2)
    row = bank.fit_transform(small_batch[:1])[0].reshape(3, 4, 2, 2)
    magnitude = np.abs(gabor_responses(small_batch[0] / 255.0, (0.1, 0.3), 2)).reshape(4, 64, 64)
    cells = magnitude.reshape(4, 2, 32, 2, 32).transpose(0, 1, 3, 2, 4).reshape(4, 2, 2, -1)
    np.testing.assert_allclose(row[0], cells.mean(-1), rtol=1e-5)
    np.testing.assert_allclose(row[1], cells.std(-1), rtol=1e-4)
    np.testing.assert_allclose(row[2], (cells**2).mean(-1), rtol=1e-5)
    names = bank.get_feature_names_out()
    assert len(names) == 48 and names[0] == "gaborbank__r0c0_mean_f0.1_o0"
    assert names[-1] == "gaborbank__r1c1_energy_f0.3_o90"


def test_batch_path_equals_one_image_at_a_time(small_batch):
    bank = GaborBank(stats=("mean", "std", "energy"), grid=(2, 3)).fit(small_batch)
    np.testing.assert_allclose(bank._extract_batch(small_batch),
                               np.stack([bank._extract(im) for im in small_batch]),
                               rtol=1e-5, atol=1e-7)


def test_spectra_cache_survives_threads_and_stays_out_of_pickles(small_batch, monkeypatch):
    # A cache that holds one bank's spectra at a time: every size change evicts, under threads.
    monkeypatch.setattr(gabor_module._SPECTRA, "max_bytes", 1)
    images = [small_batch[i % 6][: 20 + 7 * (i % 5), : 30 + 5 * (i % 4)] for i in range(24)]
    bank = GaborBank(frequencies=(0.1, 0.25), orientations=3).fit(images)
    serial = bank.transform(images)
    threaded = bank.set_params(n_jobs=4).transform(images)
    np.testing.assert_allclose(threaded, serial, rtol=1e-6)
    assert len(pickle.dumps(bank)) < 5000


def test_kernels_are_skimages():
    kernels = gabor_kernels([0.1, 0.2], orientations=3, bandwidth=1.2)
    reference = gabor_kernel(0.2, np.pi / 3, bandwidth=1.2)
    assert len(kernels) == 6
    np.testing.assert_array_equal(kernels[4], reference)


@pytest.mark.parametrize("params", [
    {"frequencies": ()}, {"frequencies": (0.1, -0.2)}, {"orientations": 0},
    {"bandwidth": 0}, {"sigma": -1.0}, {"stats": ("mean", "max")}, {"stats": "mean"},
    {"stats": ("std", "std")}, {"grid": (0, 2)},
])
def test_bad_parameters_raise(params, small_batch):
    with pytest.raises(ValueError):
        GaborBank(**params).fit(small_batch)
