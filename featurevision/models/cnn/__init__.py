"""The optional PyTorch CNN behind the scikit-learn classifier API.

Importing this package does not import torch: :class:`CNNClassifier` imports it when
a net is built or fitted, from :mod:`.nets` (architectures), :mod:`.data` (image
batches as tensors, augmentation) and :mod:`.training` (the loop, devices).
:mod:`.preprocess` (images → the net's input array), :mod:`.onnx_export` (float32 and
int8 ONNX files) and :mod:`.onnx_predictor` (running such a file) need no torch.
"""

from .classifier import CNNClassifier

__all__ = ["CNNClassifier"]
