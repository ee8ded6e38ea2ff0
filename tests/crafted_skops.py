"""A corpus of crafted skops files: each would run code, or read out of bounds, if trusted.

Each builder writes a file whose payload creates ``marker`` when it runs, starting from a
real saved pipeline so that the attack sits where a real model's state would be.
"""

from __future__ import annotations

import io
import itertools
import json
import zipfile

import numpy as np

_ids = itertools.count(1)

#: Callables that run code when called: an ``exec`` wrapper and a subprocess runner.
EXEC = ("numpy.testing._private.utils", "runstring")
SUBPROCESS = ("sklearn.utils._testing", "assert_run_python_script_without_output")
#: A featurevision function that writes files: trusted by a prefix, not by the allow-list.
OWN_WRITER = ("featurevision.extract", "extract_to_disk")


def _node(cls, module, loader, **fields):
    return {"__class__": cls, "__module__": module, "__loader__": loader,
            "__id__": next(_ids), **fields}


def _str(value):
    return _node("str", "builtins", "JsonNode", content=json.dumps(value), is_json=True)


def _tuple(*items):
    return _node("tuple", "builtins", "TupleNode", content=list(items))


def _dict():
    return _node("dict", "builtins", "DictNode", content={},
                 key_types=_node("list", "builtins", "ListNode", content=[]))


def _payload(marker):
    return f"open({str(marker)!r}, 'w').write('ran')"


def loss_node(target, marker):
    """A LossNode whose "constructor" is ``target``, called with the payload."""
    module, name = target
    args = (_tuple(_str(_payload(marker)), _dict()) if target == EXEC
            else _tuple(_str(f"exec({_payload(marker)!r})")))
    return _node(name, module, "LossNode", content=_dict(), __reduce__={"args": args})


def function_node(target):
    """A FunctionNode: the function itself as an attribute value."""
    module, name = target
    return _node(name, module, "FunctionNode")


def object_node(target):
    """An ObjectNode: an instance of ``target`` rebuilt from a state dict."""
    module, name = target
    return _node(name, module, "ObjectNode", content=_dict())


def reduce_tree_node(target, marker):
    """A TreeNode (a ReduceNode) that names ``target`` as the tree class."""
    node = loss_node(target, marker)
    node["__loader__"] = "TreeNode"
    return node


def _rewrite(source, dest, edit):
    """Copy the skops file ``source`` to ``dest`` with ``edit(schema)`` applied."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(dest, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "schema.json":
                schema = json.loads(data)
                edit(schema)
                data = json.dumps(schema).encode()
            zout.writestr(name, data)
    return dest


def as_whole_file(source, dest, node):
    """The crafted node is the whole file (the root of the schema)."""
    def edit(schema):
        protocol = {k: schema[k] for k in ("protocol", "_skops_version") if k in schema}
        schema.clear()
        schema.update(node, **protocol)
    return _rewrite(source, dest, edit)


def nested_in_pipeline(source, dest, node):
    """The crafted node is an attribute of the first step of a saved Pipeline."""
    def edit(schema):
        steps = schema["content"]["content"]["steps"]["content"]
        first_step = steps[0]["content"][1]
        first_step["content"]["content"]["injected"] = node
        first_step["content"]["key_types"]["content"].append(
            _node("str", "builtins", "TypeNode"))
    return _rewrite(source, dest, edit)


def tampered_forest(model, dest):
    """Dump ``model`` (a Pipeline ending in a fitted forest) with one child index out of range."""
    import skops.io

    tree = model[-1].estimators_[0].tree_
    state = tree.__getstate__()
    nodes = state["nodes"].copy()
    nodes["left_child"][0] = 10**6
    state["nodes"] = nodes
    tree.__setstate__(state)
    skops.io.dump(model, dest)
    return dest


def tampered_kdtree(model, dest):
    """Dump ``model`` (a fitted KNN on a KD-tree) with a neighbour index out of range."""
    import skops.io

    kdtree = model._tree
    state = list(kdtree.__getstate__())
    state[1] = np.full_like(state[1], 10**6)  # idx_array
    kdtree.__setstate__(tuple(state))
    skops.io.dump(model, dest)
    return dest


def non_skops_zip(dest):
    """A zip without skops' schema: what an ``.npz`` is."""
    buffer = io.BytesIO()
    np.savez(buffer, weights=np.zeros(3))
    dest.write_bytes(buffer.getvalue())
    return dest
