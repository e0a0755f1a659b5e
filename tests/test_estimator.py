"""The model's parts behave as scikit-learn estimators, and its artifact holds plain data only."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from framing.model.artifact import ArtifactError, from_data, to_data
from framing.model.classifier import FramingClassifier, TrainingExample, mean_macro_f1, relative_direction
from framing.model.heads import TiedLogistic
from framing.model.sides import default_sides
from framing.model.spans import EVIDENCE_FEATURES
from framing.model.store import ModelStoreError, load_current
from framing.model.votes import VOTE_FEATURES


@parametrize_with_checks([TiedLogistic(), TiedLogistic(C=0.5, class_weight=None)])
def test_tied_logistic_passes_scikit_learns_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def examples(seed_rows) -> list[TrainingExample]:
    sides = default_sides()
    return [
        TrainingExample(r["text"], sides, relative_direction(r["direction"], sides), r["loaded"], r["spans"])
        for r in seed_rows
    ]


def test_framing_classifier_clones_and_runs_in_a_grid_search(examples):
    original = FramingClassifier(min_df=1, direction_C=2.0)
    copy = clone(original)
    assert copy is not original and copy.get_params() == original.get_params()
    assert "min_df=1" in repr(copy)
    with pytest.raises(ValueError, match="invalid parameter 'C'"):
        copy.set_params(C=1.0)

    search = GridSearchCV(
        FramingClassifier(min_df=1), {"direction_C": [0.5, 4.0]}, scoring=mean_macro_f1, cv=2, error_score="raise"
    ).fit(examples)
    assert search.best_params_["direction_C"] in (0.5, 4.0)
    assert 0.0 < search.best_score_ <= 1.0
    best = search.best_estimator_
    direction, loaded = best.predict_proba(examples[:5])
    assert direction.shape == (5, 4) and loaded.shape == (5, 3)
    assert np.allclose(direction.sum(axis=1), 1.0) and np.allclose(loaded.sum(axis=1), 1.0)
    labels = best.predict(examples[:5])
    assert labels.shape == (5, 2)
    assert set(labels[:, 0]) <= set(best.classes_[0]) and set(labels[:, 1]) <= set(best.classes_[1])
    names = list(best.features_.get_feature_names_out()) + list(EVIDENCE_FEATURES) + list(VOTE_FEATURES)
    assert names == list(best.feature_names_)
    assert best.features_.transform(best.analyse(examples[:3])).shape[1] == len(best.features_.get_feature_names_out())


def test_a_fitted_model_survives_the_plain_data_round_trip(examples):
    fitted = FramingClassifier(min_df=1).fit(examples)
    texts = [e.text for e in examples[:20]]
    sides = default_sides()
    again = from_data(to_data(fitted))
    assert again.score(texts, sides, "v", explain_top=3) == fitted.score(texts, sides, "v", explain_top=3)


def test_the_shipped_artifact_names_no_class_of_this_project(shipped_store, monkeypatch):
    from joblib.numpy_pickle import NumpyUnpickler

    version = (shipped_store / "CURRENT").read_text().strip()
    seen: set[str] = set()
    find_class = NumpyUnpickler.find_class

    def recording(self, module, name):
        seen.add(module)
        return find_class(self, module, name)

    monkeypatch.setattr(NumpyUnpickler, "find_class", recording)
    data = joblib.load(shipped_store / version / "model.joblib")
    assert seen and all(m.split(".")[0] in {"numpy", "builtins", "copyreg", "_codecs", "joblib"} for m in seen), seen
    assert isinstance(data, dict) and data["format"] == 1 and data["model"]["estimator"] == "FramingClassifier"


def test_an_artifact_naming_an_unknown_estimator_is_refused(store_copy):
    version = (store_copy / "CURRENT").read_text().strip()
    data = joblib.load(store_copy / version / "model.joblib")
    data["model"]["estimator"] = "os.system"
    with pytest.raises(ArtifactError, match="unknown estimator 'os.system'"):
        from_data(data)
    joblib.dump(data, store_copy / version / "model.joblib")
    manifest_path = store_copy / version / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    from framing.model.store import sha256_of

    manifest_path.write_text(json.dumps({**manifest, "sha256": sha256_of(store_copy / version / "model.joblib")}))
    with pytest.raises(ModelStoreError, match="unknown estimator"):
        load_current(store_copy)
