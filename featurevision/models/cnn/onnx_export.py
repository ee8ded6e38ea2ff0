"""ONNX files of a fitted CNN: float32 export, int8 quantisation, the metadata a predictor needs.

Imported by :meth:`CNNClassifier.to_onnx`; needs the ``export`` extra (onnx,
onnxscript, onnxruntime for quantisation).

Quantisation is static post-training quantisation with ONNX Runtime's tools: weights
int8 per output channel, activations uint8 per tensor, scales from the min/max of each
activation over calibration images, written as QDQ pairs that ONNX Runtime fuses into
integer convolutions. Measured on Fashion-MNIST (``benchmarks/bench_quantize.py``), dynamic
quantisation (weights only, activations quantised at run time) made the file as small
but ran *slower* than float32 on CPU (its ConvInteger kernels re-quantise every
activation on every call), so it is not offered.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import numpy as np

__all__ = ["METADATA_PREFIX", "quantize_int8", "read_metadata", "write_metadata"]

#: Keys of the featurevision entries in an ONNX file's ``metadata_props``.
METADATA_PREFIX = "featurevision."

#: Calibration images per onnxruntime calibration step.
_CALIBRATION_BATCH = 64


def write_metadata(path, classes, input_size, n_channels, quantized):
    """Store what a predictor needs beside the graph: classes, input size, channels.

    Parameters
    ----------
    path : str
        An ONNX file, rewritten in place.
    classes : ndarray
        The labels, in the order of the model's output columns.
    input_size : (int, int)
    n_channels : {1, 3}
    quantized : bool

    Examples
    --------
    >>> import os, tempfile, numpy as np, onnx
    >>> from onnx import TensorProto, helper
    >>> graph = helper.make_graph(
    ...     [helper.make_node("Identity", ["images"], ["probabilities"])], "g",
    ...     [helper.make_tensor_value_info("images", TensorProto.FLOAT, [None, 2])],
    ...     [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])])
    >>> path = os.path.join(tempfile.mkdtemp(), "m.onnx")
    >>> onnx.save(helper.make_model(graph), path)
    >>> write_metadata(path, np.array(["cat", "dog"]), (8, 8), 1, quantized=False)
    >>> props = {p.key: p.value for p in onnx.load(path).metadata_props}
    >>> read_metadata(props)["classes"].tolist()
    ['cat', 'dog']
    """
    import onnx

    model = onnx.load(path)
    entries = {
        "classes": json.dumps(np.asarray(classes).tolist()),
        "classes_dtype": np.asarray(classes).dtype.str,
        "input_size": json.dumps(list(input_size)),
        "n_channels": str(int(n_channels)),
        "quantized": json.dumps(bool(quantized)),
    }
    kept = [p for p in model.metadata_props if not p.key.startswith(METADATA_PREFIX)]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    for key, value in entries.items():
        model.metadata_props.add(key=METADATA_PREFIX + key, value=value)
    onnx.save(model, path)


def read_metadata(props, where="the ONNX file"):
    """Parse the featurevision entries of an ONNX file's metadata (a ``{key: value}`` dict).

    Raises
    ------
    ValueError
        When the entries are missing or malformed (a file not written by
        :meth:`CNNClassifier.to_onnx`).

    Examples
    --------
    >>> read_metadata({})
    Traceback (most recent call last):
    ...
    ValueError: the ONNX file was not written by CNNClassifier.to_onnx: its metadata lacks featurevision.classes
    """
    def entry(key):
        name = METADATA_PREFIX + key
        if name not in props:
            raise ValueError(f"{where} was not written by CNNClassifier.to_onnx: its metadata lacks {name}")
        return props[name]

    try:
        classes = np.asarray(json.loads(entry("classes")), dtype=np.dtype(entry("classes_dtype")))
        height, width = (int(v) for v in json.loads(entry("input_size")))
        n_channels = int(entry("n_channels"))
        quantized = bool(json.loads(entry("quantized")))
    except (TypeError, ValueError, json.JSONDecodeError) as exc:
        if str(exc).startswith(where):
            raise
        raise ValueError(f"{where}: malformed featurevision metadata ({exc})") from None
    if classes.ndim != 1 or len(classes) < 2 or n_channels not in (1, 3) or min(height, width) < 1:
        raise ValueError(f"{where}: malformed featurevision metadata (classes, input size or channels)")
    return {"classes": classes, "input_size": (height, width), "n_channels": n_channels,
            "quantized": quantized}


def quantize_int8(float_path, out_path, calibration):
    """Write the static int8 (QDQ) quantisation of a float32 ONNX CNN.

    Parameters
    ----------
    float_path : str
        The float32 model (input ``images``).
    out_path : str
    calibration : ndarray of shape (n, c, h, w), float32
        Preprocessed calibration images; each activation's range is its min/max over them.
    """
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class _Batches(CalibrationDataReader):
        def __init__(self):
            self._batches = iter(range(0, len(calibration), _CALIBRATION_BATCH))

        def get_next(self):
            start = next(self._batches, None)
            if start is None:
                return None
            return {"images": calibration[start:start + _CALIBRATION_BATCH]}

    work = tempfile.mkdtemp(prefix="featurevision-quantize-")
    try:
        # Shape inference and graph optimisation first (BatchNorm folded into the
        # convolutions), as ONNX Runtime's quantisation guide asks.
        prepared = os.path.join(work, "prepared.onnx")
        quant_pre_process(float_path, prepared)
        # The final softmax stays float: quantised to uint8 its probabilities would come
        # in steps of 1/255 and no longer sum to 1.
        softmax = [node.name for node in onnx.load(prepared).graph.node if node.op_type == "Softmax"]
        quantize_static(prepared, out_path, _Batches(), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, nodes_to_exclude=softmax)
    finally:
        shutil.rmtree(work, ignore_errors=True)
