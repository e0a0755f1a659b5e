"""A fitted ``FramingClassifier`` as plain data, and back.

The artifact is still a joblib file, but what it holds is a dict of built-in values and
NumPy arrays, not this project's classes: moving or renaming a module never breaks a saved
model, and the file's contents can be read without the project's code. Each estimator
becomes ``{"estimator": <name>, "params": {...}, "fitted": {...}}``; names are looked up in
a fixed table (``ESTIMATORS``), never imported from what the file says. Private caches
(attributes starting with ``_``) are left out and rebuilt at first use.
"""

from __future__ import annotations

import numpy as np

from framing.model.classifier import FramingClassifier
from framing.model.heads import TiedLogistic
from framing.model.spans import SpanTagger
from framing.model.vectorize import FeatureSpace

FORMAT = 1
ESTIMATORS = {cls.__name__: cls for cls in (FramingClassifier, FeatureSpace, SpanTagger, TiedLogistic)}


class ArtifactError(ValueError):
    """The data is not a model artifact this code can read."""


def to_data(classifier: FramingClassifier) -> dict:
    return {"format": FORMAT, "model": _plain(classifier, "model")}


def from_data(data: object) -> FramingClassifier:
    if not isinstance(data, dict) or "format" not in data or "model" not in data:
        raise ArtifactError("not a framing model artifact (no format and model keys)")
    if data["format"] != FORMAT:
        raise ArtifactError(f"artifact format {data['format']!r}; this code reads format {FORMAT}")
    model = _built(data["model"], "model")
    if not isinstance(model, FramingClassifier):
        raise ArtifactError("the artifact's model is not a FramingClassifier")
    return model


def _plain(value, where: str):
    if type(value).__name__ in ESTIMATORS and isinstance(value, ESTIMATORS[type(value).__name__]):
        params = set(value.get_params())
        state = {k: v for k, v in vars(value).items() if not k.startswith("_")}
        return {
            "estimator": type(value).__name__,
            "params": {k: _plain(v, f"{where}.{k}") for k, v in state.items() if k in params},
            "fitted": {k: _plain(v, f"{where}.{k}") for k, v in state.items() if k not in params},
        }
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"{where}: only string keys can be stored")
        return {k: _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(value, np.ndarray):
        if value.dtype == object and not all(isinstance(v, str) for v in value.ravel()):
            raise TypeError(f"{where}: an object array may hold only strings")
        return value
    if value is None or isinstance(value, str | bool | int | float | np.generic):
        return value
    raise TypeError(f"{where}: cannot store a {type(value).__name__} as plain data")


def _built(value, where: str):
    if isinstance(value, dict) and "estimator" in value:
        cls = ESTIMATORS.get(value["estimator"])
        if cls is None or set(value) != {"estimator", "params", "fitted"}:
            raise ArtifactError(f"{where}: unknown estimator {value['estimator']!r}")
        estimator = cls(**{k: _built(v, f"{where}.{k}") for k, v in value["params"].items()})
        for name, fitted in value["fitted"].items():
            setattr(estimator, name, _built(fitted, f"{where}.{name}"))
        return estimator
    if isinstance(value, dict):
        return {k: _built(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_built(v, f"{where}[{i}]") for i, v in enumerate(value))
    return value
