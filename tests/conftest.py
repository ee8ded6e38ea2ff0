"""Shared fixtures: small real images, and ../shared/data when it exists."""

import os
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(os.environ.get("FEATUREVISION_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def shared_file(name):
    """Path to a file of ../shared/data, skipping the test when it is absent."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"{path} not present (../shared/data is optional)")
    return path


@pytest.fixture(scope="session")
def camera():
    """scikit-image's bundled 512×512 gray photograph."""
    from skimage import data

    return data.camera()


@pytest.fixture(scope="session")
def small_batch():
    """Six real 64×64 uint8 crops of bundled photographs, gray."""
    from skimage import data

    sources = [data.camera(), data.brick(), data.grass(), data.gravel(), data.moon(), data.coins()]
    return np.stack([img[100:164, 100:164] for img in sources])


@pytest.fixture(scope="session")
def color_batch():
    """Four real 64×64 RGB crops of bundled photographs."""
    from skimage import data

    sources = [data.astronaut(), data.chelsea(), data.coffee(), data.rocket()]
    return np.stack([img[50:114, 50:114] for img in sources])
