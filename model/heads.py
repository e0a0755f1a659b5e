"""Linear classification heads whose weights respect the side swap.

The training set holds every paragraph in both side orders, so a logistic regression fit
on it is already (up to solver tolerance) symmetric. ``TiedLogistic`` then makes that
exact by averaging the weights with their swapped image: for feature permutation P
(side_a <-> side_b) and class permutation S (A->B <-> B->A, identity for the loaded head)
the weights become W' = (W + S W P) / 2, which guarantees z(swap(x)) = S z(x).

Probabilities are calibrated by temperature scaling (one scalar, so the symmetry holds),
fitted on out-of-fold decisions from grouped cross-validation.
"""

from __future__ import annotations

import numpy as np


class TiedLogistic:
    def __init__(
        self,
        classes: tuple[str, ...],
        class_swap: dict[str, str] | None = None,
        C: float = 4.0,
        class_weight: str | None = "balanced",
    ):
        self.classes = tuple(classes)
        self.class_swap = class_swap or {}
        self.C = C
        self.class_weight = class_weight
        self.temperature = 1.0

    def fit(self, X, y, feature_perm: np.ndarray, sample_weight=None) -> TiedLogistic:
        from sklearn.linear_model import LogisticRegression  # training only: scoring never imports scikit-learn

        present = sorted(set(y), key=self.classes.index)
        model = LogisticRegression(C=self.C, max_iter=3000, class_weight=self.class_weight)
        model.fit(X, y, sample_weight=sample_weight)
        weights = np.zeros((len(self.classes), X.shape[1]))
        bias = np.full(len(self.classes), -30.0)
        for row, label in zip(range(len(model.classes_)), model.classes_):
            k = self.classes.index(label)
            weights[k] = model.coef_[row] if len(present) > 2 else (model.coef_[0] if row else -model.coef_[0]) / 2
            bias[k] = (
                model.intercept_[row]
                if len(present) > 2
                else (model.intercept_[0] if row else -model.intercept_[0]) / 2
            )
        swap = [self.classes.index(self.class_swap.get(c, c)) for c in self.classes]
        self.coef_ = (weights + weights[swap][:, feature_perm]) / 2
        self.intercept_ = (bias + bias[swap]) / 2
        return self

    def decision(self, X) -> np.ndarray:
        return np.asarray(X @ self._transposed()) + self.intercept_

    def decision_parts(self, sparse_part, dense_part) -> np.ndarray:
        """Logits from the sparse columns and the trailing dense columns, without stacking them."""
        weights = self._transposed()
        n_sparse = sparse_part.shape[1]
        return np.asarray(sparse_part @ weights[:n_sparse]) + dense_part @ weights[n_sparse:] + self.intercept_

    def proba(self, X) -> np.ndarray:
        return softmax(self.decision(X) / self.temperature, axis=1)

    def proba_parts(self, sparse_part, dense_part) -> np.ndarray:
        return softmax(self.decision_parts(sparse_part, dense_part) / self.temperature, axis=1)

    def _transposed(self) -> np.ndarray:
        """coef_.T, contiguous and cached: a strided view would be copied on every product."""
        cached = getattr(self, "_coef_t", None)
        if cached is None or cached.shape[0] != self.coef_.shape[1]:
            cached = self._coef_t = np.ascontiguousarray(self.coef_.T)
        return cached

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_coef_t", None)
        return state

    def calibrate(self, decisions: np.ndarray, y: list[str]) -> float:
        """Fit the temperature on held-out decisions; returns it."""
        from scipy.optimize import minimize_scalar
        from scipy.special import log_softmax

        index = np.array([self.classes.index(label) for label in y])

        def nll(log_t: float) -> float:
            return -log_softmax(decisions / np.exp(log_t), axis=1)[np.arange(len(index)), index].mean()

        self.temperature = float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))
        return self.temperature


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """As scipy.special.softmax computes it (the same operations, so the same numbers)."""
    shifted = np.exp(x - np.amax(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)
