"""featurevision: classical computer-vision features as scikit-learn transformers.

Nothing heavy is imported here: ``import featurevision`` never imports torch.
"""

from ._images import MAX_PIXELS, check_images, read_image
from .persistence import load, save  # skops is imported inside them, on first use

__version__ = "0.1.0"

__all__ = ["MAX_PIXELS", "__version__", "check_images", "load", "read_image", "save"]
