"""scikit-learn's estimator protocol (``get_params``/``set_params``) without importing scikit-learn.

Scoring never imports scikit-learn (it takes most of a second), yet users should be able to
``clone`` the project's estimators and put them in a grid search. scikit-learn's ``clone``
needs only these two methods and constructor arguments stored under their own names.
"""

from __future__ import annotations

import inspect


class Params:
    # "classifier" or "transformer": what scikit-learn's checks and meta-estimators see (its tags).
    _estimator_type: str | None = None

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(name for name in signature.parameters if name != "self")

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        changed = []
        defaults = inspect.signature(type(self).__init__).parameters
        for name, value in self.get_params().items():
            if defaults[name].default is inspect.Parameter.empty or repr(defaults[name].default) != repr(value):
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags, TransformerTags

        kind = self._estimator_type
        return Tags(
            estimator_type=kind,
            target_tags=TargetTags(required=kind == "classifier"),
            classifier_tags=ClassifierTags() if kind == "classifier" else None,
            transformer_tags=TransformerTags() if kind == "transformer" else None,
            input_tags=InputTags(sparse=True),
        )
