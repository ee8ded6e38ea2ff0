"""The template itself: how a 2-D input is read, and what one image without brackets gives."""

import numpy as np
import pytest

from featurevision.datasets import load_digits
from featurevision.features import HOG, TinyImage


@pytest.fixture(scope="module")
def digits():
    return load_digits().images[:5]


def test_one_image_without_brackets_is_refused_not_read_as_rows(digits):
    extractor = HOG().fit(digits)
    with pytest.raises(ValueError, match=r"pass \[image\]"):
        extractor.transform(digits[0])
    assert extractor.transform([digits[0]]).shape == (1, extractor.n_features_out_)


def test_a_table_of_the_wrong_width_names_the_image_shape(digits):
    table = digits.reshape(len(digits), -1)
    extractor = TinyImage(size=4, image_shape=(8, 8)).fit(table)
    with pytest.raises(ValueError, match=r"(?s)image_shape=\(8, 8\).*pass \[image\]"):
        extractor.transform(table[:, :32])


def test_a_table_with_image_shape_is_read_as_those_images(digits):
    table = digits.reshape(len(digits), -1)
    extractor = TinyImage(size=4, image_shape=(8, 8)).fit(table)
    np.testing.assert_array_equal(extractor.transform(table), extractor.transform(digits))


def test_pixel_budget_splits_a_stack_without_changing_rows(digits):
    images = np.concatenate([digits] * 4)
    whole = TinyImage(size=4).fit(images)
    split = TinyImage(size=4).fit(images)
    split.pixel_budget = 64  # one 8×8 image per _extract_batch call
    np.testing.assert_array_equal(split.transform(images), whole.transform(images))
