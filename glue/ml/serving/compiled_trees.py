"""A boosted tree's trees walked in plain Python, for one row at a time.

XGBoost's own predict costs some 0.5 ms for a single row, nearly all of it the call's fixed
overhead; walking the model's trees (a few dozen, a few levels deep) costs a tenth of that. The
trees come from the booster's own JSON dump, so what is walked is what XGBoost would evaluate:
a row goes to `yes` when its value is below the split (both in single precision, as XGBoost
keeps them), to `missing` when it has none. A
classifier's class margins are summed tree by tree (tree i scores class i mod the number of
classes) and turned into probabilities with softmax, as multi:softprob does; the base score,
the same for every class, cancels out. tests/ml/serving/test_compiled_trees.py holds it to
XGBoost's predictions.
"""

from __future__ import annotations

import json
import math
from array import array

import xgboost as xgb

_LEAF = -1


def _single(value: float) -> float:
    """The value rounded to single precision, in which XGBoost keeps features and splits."""
    return array("f", [value])[0]


class _Tree:
    __slots__ = ("feature", "threshold", "yes", "no", "missing", "value")

    def __init__(self, dump: dict):
        nodes: dict[int, dict] = {}
        stack = [dump]
        while stack:
            node = stack.pop()
            nodes[node["nodeid"]] = node
            stack.extend(node.get("children", []))
        size = max(nodes) + 1
        self.feature, self.threshold = [_LEAF] * size, [0.0] * size
        self.yes, self.no, self.missing, self.value = [0] * size, [0] * size, [0] * size, [0.0] * size
        for index, node in nodes.items():
            if "leaf" in node:
                self.value[index] = node["leaf"]
                continue
            self.feature[index] = int(node["split"].lstrip("f"))
            self.threshold[index] = _single(node["split_condition"])
            self.yes[index], self.no[index], self.missing[index] = node["yes"], node["no"], node["missing"]

    def leaf(self, row: list[float]) -> float:
        index, feature = 0, self.feature
        while feature[index] != _LEAF:
            value = row[feature[index]]
            if value != value:  # NaN: the row has no value here
                index = self.missing[index]
            elif value < self.threshold[index]:
                index = self.yes[index]
            else:
                index = self.no[index]
        return self.value[index]


class CompiledTrees:
    def __init__(self, booster: xgb.Booster, classes: int):
        self.classes = classes
        self.trees = [_Tree(json.loads(text)) for text in booster.get_dump(dump_format="json")]

    def probabilities(self, row: list[float]) -> list[float]:
        """Each class's probability for one encoded row (NaN where a value is missing)."""
        row = array("f", row).tolist()  # XGBoost compares in single precision
        margins = [0.0] * self.classes
        for index, tree in enumerate(self.trees):
            margins[index % self.classes] += tree.leaf(row)
        top = max(margins)
        exponents = [math.exp(m - top) for m in margins]
        total = sum(exponents)
        return [e / total for e in exponents]
