"""Bag of visual words: SIFT descriptors (:mod:`.sift`), codebooks and encodings
(:mod:`.encodings`), and the :class:`BagOfVisualWords` transformer that joins them.
"""

from .bag_of_words import BagOfVisualWords
from .sift import dense_sift, extract_descriptors, sparse_sift

__all__ = ["BagOfVisualWords", "dense_sift", "extract_descriptors", "sparse_sift"]
