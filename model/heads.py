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

from framing.model.params import Params


class TiedLogistic(Params):
    """A logistic-regression classifier whose weights are exactly swap-symmetric.

    ``classes`` fixes the class order (classes absent from ``y`` keep a very low bias); by
    default it is the sorted classes of ``y``. ``class_swap`` maps each class to its image
    under the side swap (identity where absent). ``fit``'s ``feature_perm`` is the feature
    permutation of the swap (identity by default).
    """

    _estimator_type = "classifier"

    def __init__(
        self,
        classes: tuple[str, ...] | None = None,
        class_swap: dict[str, str] | None = None,
        C: float = 4.0,
        class_weight: str | None = "balanced",
    ):
        self.classes = classes
        self.class_swap = class_swap
        self.C = C
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None, feature_perm: np.ndarray | None = None) -> TiedLogistic:
        from sklearn.linear_model import LogisticRegression  # training only: scoring never imports scikit-learn
        from sklearn.utils.validation import check_X_y

        X, y = check_X_y(X, y, accept_sparse="csr", dtype=np.float64)
        y = [label.item() if isinstance(label, np.generic) else label for label in y]
        classes = list(self.classes) if self.classes is not None else sorted(set(y))
        unknown = set(y) - set(classes)
        if unknown:
            raise ValueError(f"labels {sorted(map(str, unknown))} are not among the classes {classes}")
        if len(set(y)) < 2:
            raise ValueError(f"need at least two classes to fit; got 1 class: {sorted(map(str, set(y)))}")
        swap_of = self.class_swap or {}
        perm = np.arange(X.shape[1]) if feature_perm is None else np.asarray(feature_perm)
        present = sorted(set(y), key=classes.index)
        model = LogisticRegression(C=self.C, max_iter=3000, class_weight=self.class_weight)
        model.fit(X, y, sample_weight=sample_weight)
        weights = np.zeros((len(classes), X.shape[1]))
        bias = np.full(len(classes), -30.0)
        for row, label in zip(range(len(model.classes_)), model.classes_):
            k = classes.index(label)
            weights[k] = model.coef_[row] if len(present) > 2 else (model.coef_[0] if row else -model.coef_[0]) / 2
            bias[k] = (
                model.intercept_[row]
                if len(present) > 2
                else (model.intercept_[0] if row else -model.intercept_[0]) / 2
            )
        swap = [classes.index(swap_of.get(c, c)) for c in classes]
        self.classes_ = np.array(classes, dtype=object if isinstance(classes[0], str) else None)
        # Fortran order makes coef_.T C-contiguous, the layout the products below read fast.
        self.coef_ = np.asfortranarray((weights + weights[swap][:, perm]) / 2)
        self.intercept_ = (bias + bias[swap]) / 2
        self.n_features_in_ = X.shape[1]
        self.temperature_ = 1.0
        return self

    def logits(self, X) -> np.ndarray:
        """One column per class (``decision_function`` folds two into one for a binary head)."""
        X = _checked(X, self)
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def decision_function(self, X) -> np.ndarray:
        z = self.logits(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def decision_parts(self, sparse_part, dense_part) -> np.ndarray:
        """Logits from the sparse columns and the trailing dense columns, without stacking them."""
        weights = self.coef_.T
        n_sparse = sparse_part.shape[1]
        return np.asarray(sparse_part @ weights[:n_sparse]) + dense_part @ weights[n_sparse:] + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        return softmax(self.logits(X) / self.temperature_, axis=1)

    def predict(self, X) -> np.ndarray:
        best = self.logits(X).argmax(axis=1)
        return self.classes_[best]

    def proba_parts(self, sparse_part, dense_part) -> np.ndarray:
        return softmax(self.decision_parts(sparse_part, dense_part) / self.temperature_, axis=1)

    def calibrate(self, decisions: np.ndarray, y: list[str]) -> float:
        """Fit the temperature on held-out decisions; returns it."""
        from scipy.optimize import minimize_scalar
        from scipy.special import log_softmax

        classes = list(self.classes_)
        index = np.array([classes.index(label) for label in y])

        def nll(log_t: float) -> float:
            return -log_softmax(decisions / np.exp(log_t), axis=1)[np.arange(len(index)), index].mean()

        self.temperature_ = float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))
        return self.temperature_


def _checked(X, head: TiedLogistic):
    """X as a 2-D float array or sparse matrix with the fitted number of columns."""
    if not hasattr(head, "coef_"):
        from sklearn.exceptions import NotFittedError  # only on this error: scoring never imports scikit-learn

        raise NotFittedError(f"this {type(head).__name__} is not fitted yet; call fit first")
    n_features = head.n_features_in_
    if not hasattr(X, "tocsr"):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"expected a 2-D array, got {X.ndim} dimension(s). Reshape your data")
        if not np.isfinite(X).all():
            raise ValueError("input contains NaN or infinity")
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(head).__name__} is expecting {n_features} features as input"
        )
    return X


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """As scipy.special.softmax computes it (the same operations, so the same numbers)."""
    shifted = np.exp(x - np.amax(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)
