"""The two small architectures behind :class:`~featurevision.models.CNNClassifier`.

Imported only when a CNN is built: this module imports torch at the top.

Both nets take ``(n, c, h, w)`` float32 images in [0, 1] and return class logits. Their
first layer is a ``BatchNorm2d`` without affine parameters: it learns the per-channel
mean and spread of the training images, so standardisation travels inside the weights
(and inside an ONNX export) instead of in a separate preprocessing step. Both end in a
global average pool, so any input size works, down to 1×1 (pooling rounds up).
"""

from __future__ import annotations

from torch import nn

__all__ = ["ARCHITECTURES", "SmallResNet", "SmallVGG", "build_net"]


def _conv_bn_relu(c_in, c_out, stride=1):
    return [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


def _head(c_in, n_classes):
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, n_classes))


class SmallVGG(nn.Module):
    """A VGG-style net: stages of 3×3 conv–BN–ReLU, 2×2 max pool between stages.

    Stage ``s`` has ``width * 2**s`` channels and ``depth`` convolutions (Simonyan &
    Zisserman 2015, "Very deep convolutional networks for large-scale image
    recognition", with batch normalisation, Ioffe & Szegedy 2015).

    Parameters
    ----------
    in_channels, n_classes : int
    width : int
        Channels of the first stage.
    depth : int
        Convolutions per stage.
    n_stages : int
        Number of stages.

    Examples
    --------
    >>> import torch
    >>> SmallVGG(1, 10, width=8, depth=1, n_stages=2)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, in_channels, n_classes, width=32, depth=2, n_stages=3):
        super().__init__()
        layers, c_in = [nn.BatchNorm2d(in_channels, affine=False)], in_channels
        for stage in range(n_stages):
            c_out = width * 2 ** stage
            if stage:
                layers.append(nn.MaxPool2d(2, ceil_mode=True))
            for _ in range(depth):
                layers += _conv_bn_relu(c_in, c_out)
                c_in = c_out
        self.features = nn.Sequential(*layers)
        self.head = _head(c_in, n_classes)

    def forward(self, x):
        return self.head(self.features(x))


class _BasicBlock(nn.Module):
    """Two 3×3 convolutions with an identity (or 1×1 projection) shortcut."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.body = nn.Sequential(*_conv_bn_relu(c_in, c_out, stride),
                                  nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(c_out))
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(c_out))
        # Zero-initialising the last BN's scale starts every block as the identity,
        # which trains faster at small batch counts (Goyal et al. 2017).
        nn.init.zeros_(self.body[-1].weight)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.shortcut(x))


class SmallResNet(nn.Module):
    """A small ResNet: a 3×3 stem, then stages of basic residual blocks.

    Stage ``s`` has ``width * 2**s`` channels and ``depth`` blocks; every stage after
    the first halves the resolution with a stride-2 first block (He et al. 2016, "Deep
    residual learning for image recognition", the CIFAR variant).

    Parameters
    ----------
    in_channels, n_classes : int
    width : int
        Channels of the stem and first stage.
    depth : int
        Residual blocks per stage.
    n_stages : int
        Number of stages.

    Examples
    --------
    >>> import torch
    >>> SmallResNet(3, 4, width=8, depth=1, n_stages=2)(torch.zeros(2, 3, 16, 16)).shape
    torch.Size([2, 4])
    """

    def __init__(self, in_channels, n_classes, width=32, depth=2, n_stages=3):
        super().__init__()
        layers = [nn.BatchNorm2d(in_channels, affine=False), *_conv_bn_relu(in_channels, width)]
        c_in = width
        for stage in range(n_stages):
            c_out = width * 2 ** stage
            for block in range(depth):
                layers.append(_BasicBlock(c_in, c_out, 2 if stage and not block else 1))
                c_in = c_out
        self.features = nn.Sequential(*layers)
        self.head = _head(c_in, n_classes)

    def forward(self, x):
        return self.head(self.features(x))


#: Name → net class, the values :class:`CNNClassifier`'s ``architecture`` accepts.
ARCHITECTURES = {"vgg": SmallVGG, "resnet": SmallResNet}


def build_net(architecture, in_channels, n_classes, width, depth, n_stages):
    """Build an untrained net by architecture name.

    Examples
    --------
    >>> type(build_net("resnet", 1, 3, 8, 1, 2)).__name__
    'SmallResNet'
    """
    return ARCHITECTURES[architecture](in_channels, n_classes, width=width, depth=depth,
                                       n_stages=n_stages)
