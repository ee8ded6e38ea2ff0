"""Recipes build, fit and predict; compare understands "recipe" and "recipe:<domain>"."""

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from featurevision.compare import compare
from featurevision.compare.methods import available_methods, parse_method
from featurevision.datasets import load_digits
from featurevision.recipes import DOMAINS, make_recipe, recipe_domain, recipe_pipeline

# Small models so each recipe runs on digits in seconds; the recipes' own defaults are
# what benchmarks/bench_recipes.py measures.
FAST = {
    "photos": {"features__n_words": 32, "features__n_patches": 3000, "features__patch_size": 4},
    "textures": {},
    "digits": {},
}


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.images, data.target


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_each_recipe_builds_fits_and_predicts(domain, digits):
    images, target = digits
    recipe = make_recipe(domain, **FAST[domain])
    assert isinstance(recipe_pipeline(recipe), Pipeline)
    assert [name for name, _ in recipe_pipeline(recipe).steps] == ["features", "scale", "classifier"]
    recipe.fit(images[:600], target[:600])
    predicted = recipe.predict(images[600:800])
    assert predicted.shape == (200,)
    assert np.mean(predicted == target[600:800]) > 0.5


def test_recipes_are_unfitted_and_independent():
    first, second = recipe_pipeline(make_recipe("photos")), recipe_pipeline(make_recipe("photos"))
    assert first.steps[0][1] is not second.steps[0][1]
    assert not hasattr(first.steps[0][1], "codebook_")
    assert recipe_pipeline(make_recipe("photos", features__n_words=10)).steps[0][1].n_words == 10


def test_unknown_domain_and_parameter():
    with pytest.raises(ValueError, match="domain"):
        make_recipe("faces")
    with pytest.raises(ValueError):
        make_recipe("digits", features__no_such=1)


def test_recipe_domain_from_images(tmp_path):
    assert recipe_domain(np.zeros((2, 32, 32, 3), np.uint8)) == "photos"
    assert recipe_domain(np.zeros((2, 28, 28), np.uint8)) == "digits"
    assert recipe_domain([np.zeros((160, 160), np.uint8)]) == "textures"
    import cv2

    path = tmp_path / "a.png"
    cv2.imwrite(str(path), np.zeros((10, 10, 3), np.uint8))
    assert recipe_domain([str(path)]) == "photos"


def test_compare_parses_recipe_methods():
    assert parse_method("recipe:textures").name == "recipe:textures"
    assert parse_method("recipe", domain="digits").estimator.steps[0][0] == "features"
    assert parse_method("recipe").kind == "recipe"  # a placeholder until the data is read
    assert "unknown recipe" in parse_method("recipe:faces").error
    assert available_methods(["recipe", "tiny:svm"]) == (["recipe", "tiny:svm"], [])


def test_compare_runs_the_recipe_of_the_dataset_kind(digits):
    images, target = digits
    result = compare((images[:300], target[:300]), methods=["recipe", "tiny:svm"])
    rows = {row["method"]: row for row in result.table}
    assert rows["recipe:digits"]["status"] == "ok"
    assert rows["recipe:digits"]["test_accuracy"] > 0.8
