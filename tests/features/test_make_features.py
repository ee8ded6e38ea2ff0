import pytest
from sklearn.pipeline import FeatureUnion

from featurevision.features import HOG, make_features


def test_a_misspelt_option_is_an_error_naming_it_and_the_valid_ones():
    with pytest.raises(ValueError) as info:
        make_features("hog", pixel_per_cell=(4, 4))
    message = str(info.value)
    assert "'pixel_per_cell'" in message and "'pixels_per_cell'" in message and "'n_jobs'" in message


def test_every_unknown_option_is_named_for_a_union():
    with pytest.raises(ValueError, match="options 'sise', 'colour'"):
        make_features("tiny+hog", sise=8, colour=True)


def test_an_option_goes_to_the_extractors_that_accept_it():
    union = make_features("hog+lbp", n_jobs=2, pixels_per_cell=(4, 4))
    assert isinstance(union, FeatureUnion)
    hog, lbp = (step for _, step in union.transformer_list)
    assert hog.n_jobs == lbp.n_jobs == 2 and hog.pixels_per_cell == (4, 4)
    assert "pixels_per_cell" not in lbp.get_params()
    assert make_features("hog", pixels_per_cell=(4, 4)).get_params() == HOG(pixels_per_cell=(4, 4)).get_params()
