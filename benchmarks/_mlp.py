"""Cases 1, 2, 3 and 5: MLP training against scikit-learn, the matmul-only limit and
PyTorch, then prediction throughput and the peak memory of ``fit``.

Every timed thing of one (model, dtype) row runs in the same loop, alternating, with
the order rotated at each repeat, so that drifting machine load hits all of them alike.
"""

from __future__ import annotations

import tracemalloc
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from _report import DASH, blas_threads, median, met, timed
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import train_test_split

HIDDEN = (256, 128)
BATCH = 256
LEARNING_RATE = 1e-3
# scikit-learn's MLP adds alpha / (2 * batch) * ||W||^2 to each minibatch loss;
# skweights adds alpha / 2 * ||W||^2 whatever the batch. Dividing by the batch size
# gives both libraries the same (tiny) objective.
SKLEARN_ALPHA = 1e-4
SKWEIGHTS_ALPHA = SKLEARN_ALPHA / BATCH
N_FEATURES = 100
KINDS = ("classifier", "regressor")
SPEED_TARGET = {"float32": 2.5, "float64": 2.0}  # issue 18
LIMIT_TARGET = {"float32": 0.8}
TORCH_TARGET = {"float32": 2.0}  # issue 18 sets no float64 target
SCORE_TARGET_POINTS = 0.5
MEMORY_TARGET = 0.3


@dataclass
class Data:
    """One problem split 80/20, in float64 (cast per row)."""

    kind: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray

    @property
    def n_outputs(self) -> int:
        if self.kind == "classifier":
            return int(np.unique(self.y_train).size)
        return 1

    def cast(self, dtype) -> Data:
        """The same split with X (and a regression target) in ``dtype``."""
        y_dtype = dtype if self.kind == "regressor" else self.y_train.dtype
        return Data(
            self.kind,
            np.ascontiguousarray(self.X_train, dtype=dtype),
            np.ascontiguousarray(self.X_test, dtype=dtype),
            self.y_train.astype(y_dtype),
            self.y_test.astype(y_dtype),
        )


def make_data(kind: str, n_samples: int) -> Data:
    """Case 1's problems; the regression target is standardized (train statistics)."""
    if kind == "classifier":
        X, y = make_classification(
            n_samples=n_samples,
            n_features=N_FEATURES,
            n_informative=30,
            n_classes=5,
            random_state=0,
        )
    else:
        X, y = make_regression(
            n_samples=n_samples, n_features=N_FEATURES, random_state=0
        )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=0
    )
    if kind == "regressor":
        # Raw make_regression targets are in the hundreds; both libraries get the
        # same standardized target so that lr=1e-3 Adam behaves sensibly.
        mean, std = y_train.mean(), y_train.std()
        y_train, y_test = (y_train - mean) / std, (y_test - mean) / std
    return Data(kind, X_train, X_test, y_train, y_test)


def skweights_model(kind: str, epochs: int, package=None):
    """skweights' MLP with case 1's settings: exactly ``epochs`` epochs.

    ``package``: the skweights package to take the class from (default: the
    installed one; ``vs_tree.py`` passes another checkout's).
    """
    if package is None:
        import skweights as package

    cls = package.MLPClassifier if kind == "classifier" else package.MLPRegressor
    return cls(
        hidden_layer_sizes=HIDDEN,
        activation="relu",
        optimizer="adam",
        learning_rate=LEARNING_RATE,
        alpha=SKWEIGHTS_ALPHA,
        batch_size=BATCH,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**6,
        random_state=0,
    )


def sklearn_model(kind: str, epochs: int):
    """scikit-learn's MLP with case 1's settings: exactly ``epochs`` epochs."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPClassifier if kind == "classifier" else MLPRegressor
    return cls(
        hidden_layer_sizes=HIDDEN,
        activation="relu",
        solver="adam",
        learning_rate_init=LEARNING_RATE,
        alpha=SKLEARN_ALPHA,
        batch_size=BATCH,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**6,
        early_stopping=False,
        shuffle=True,
        random_state=0,
    )


def layer_sizes(data: Data) -> list[int]:
    return [data.X_train.shape[1], *HIDDEN, data.n_outputs]


def flops_per_sample(sizes: list[int]) -> int:
    """Matmul flops of one sample's training step (2*m*n*k per product).

    Forward once, backward twice (weight gradient and input gradient), except that
    the first layer's input gradient is never computed.

    Examples
    --------
    >>> flops_per_sample([100, 256, 128, 5])
    302848
    """
    pairs = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return 2 * (3 * pairs - sizes[0] * sizes[1])


def fit_quietly(model, X, y):
    """Fit, hiding the ConvergenceWarning that a fixed epoch budget raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


def matmul_limit(X: np.ndarray, sizes: list[int], epochs: int, batch: int) -> float:
    """Seconds for only the matrix products of ``epochs`` epochs of training.

    Forward and backward products of every minibatch into preallocated outputs
    (``np.matmul(..., out=...)``) in X's dtype; batches are contiguous row slices, so
    no gather, no activation, no loss and no optimizer step is counted.
    """
    dtype = X.dtype
    rng = np.random.default_rng(0)
    weights = [
        rng.standard_normal((a, b)).astype(dtype) * np.sqrt(2.0 / a).astype(dtype)
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
    grads = [np.empty_like(w) for w in weights]
    acts = [np.empty((batch, b), dtype) for b in sizes[1:]]  # h1, h2, raw output
    deltas = [np.empty((batch, b), dtype) for b in sizes[1:]]
    deltas[-1][...] = rng.standard_normal(deltas[-1].shape)
    n = X.shape[0]
    last = len(weights) - 1

    def run() -> None:
        for _ in range(epochs):
            for start in range(0, n, batch):
                stop = min(start + batch, n)
                m = stop - start
                inputs = [X[start:stop], *(a[:m] for a in acts[:-1])]
                for layer in range(len(weights)):
                    np.matmul(inputs[layer], weights[layer], out=acts[layer][:m])
                for layer in range(last, -1, -1):
                    delta = deltas[layer][:m]
                    np.matmul(inputs[layer].T, delta, out=grads[layer])
                    if layer > 0:
                        np.matmul(delta, weights[layer].T, out=deltas[layer - 1][:m])

    seconds, _ = timed(run)
    return seconds


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_fit(data: Data, epochs: int):
    """The equivalent PyTorch CPU loop: nn.Sequential, Adam, batch 256, X's dtype."""
    import torch
    from torch import nn

    dtype = np.dtype(data.X_train.dtype)

    torch.set_num_threads(blas_threads())
    torch.manual_seed(0)
    sizes = layer_sizes(data)
    modules: list[Any] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        modules.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            modules.append(nn.ReLU())
    model = nn.Sequential(*modules).to(_torch_dtype(dtype))
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    X = torch.from_numpy(data.X_train)
    if data.kind == "classifier":
        y = torch.from_numpy(data.y_train.astype(np.int64))
        loss_fn = nn.CrossEntropyLoss()
    else:
        y = torch.from_numpy(data.y_train.astype(dtype).reshape(-1, 1))
        loss_fn = nn.MSELoss()
    n = X.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n)
        for start in range(0, n, BATCH):
            index = order[start : start + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[index]), y[index])
            loss.backward()
            optimizer.step()
    return model


def _torch_dtype(dtype: np.dtype):
    """torch's float32 or float64 for a numpy dtype."""
    import torch

    return torch.float64 if dtype == np.float64 else torch.float32


def torch_score(model, data: Data) -> float:
    import torch
    from sklearn.metrics import r2_score

    with torch.no_grad():
        raw = model(torch.from_numpy(data.X_test)).numpy()
    if data.kind == "classifier":
        return float(np.mean(raw.argmax(axis=1) == data.y_test))
    return float(r2_score(data.y_test, raw.ravel()))


@dataclass
class TrainingRun:
    """The medians and fitted models of one (model kind, dtype) row."""

    kind: str
    dtype: str
    n_train: int
    epochs: int
    sizes: list[int]
    seconds: dict[str, list[float]] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    epochs_run: dict[str, int] = field(default_factory=dict)

    def per_epoch(self, name: str) -> float:
        return median(self.seconds.get(name, [])) / self.epochs

    def best_ratio(self, slower: str, faster: str) -> float:
        """min(slower) / min(faster): less sensitive to load spikes than medians."""
        return min(self.seconds[slower]) / min(self.seconds[faster])

    def samples_per_second(self, name: str) -> float:
        return self.n_train / self.per_epoch(name)

    def gflops(self, name: str) -> float:
        return flops_per_sample(self.sizes) * self.samples_per_second(name) / 1e9


def train_row(
    data: Data, dtype: str, epochs: int, repeats: int, with_torch: bool, log
) -> TrainingRun:
    """Time skweights, scikit-learn, the matmul limit (and torch) alternately."""
    data = data.cast(np.dtype(dtype))
    run = TrainingRun(data.kind, dtype, len(data.X_train), epochs, layer_sizes(data))
    runners = {
        "skweights": lambda: fit_quietly(
            skweights_model(data.kind, epochs), data.X_train, data.y_train
        ),
        "scikit-learn": lambda: fit_quietly(
            sklearn_model(data.kind, epochs), data.X_train, data.y_train
        ),
        "limit": lambda: matmul_limit(data.X_train, run.sizes, epochs, BATCH),
    }
    if with_torch:
        runners["torch"] = lambda: torch_fit(data, epochs)
    # Warm-up, untimed: first-call costs (lazy imports, BLAS threads starting,
    # page faults) must not land on whichever library happens to run first.
    small = Data(
        data.kind,
        data.X_train[: 4 * BATCH],
        data.X_test,
        data.y_train[: 4 * BATCH],
        data.y_test,
    )
    fit_quietly(skweights_model(data.kind, 1), small.X_train, small.y_train)
    fit_quietly(sklearn_model(data.kind, 1), small.X_train, small.y_train)
    matmul_limit(small.X_train, run.sizes, 1, BATCH)
    if "torch" in runners:
        torch_fit(small, 1)
    names = list(runners)
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            if name == "limit":
                seconds, result = runners[name](), None
            else:
                seconds, result = timed(runners[name])
            run.seconds.setdefault(name, []).append(seconds)
            log(
                f"  {data.kind} {dtype} repeat {repeat + 1}/{repeats} {name}: "
                f"{seconds:.2f} s"
            )
            if result is not None:
                run.models[name] = result
    for name, model in run.models.items():
        if name == "torch":
            run.scores[name] = torch_score(model, data)
        else:
            run.scores[name] = float(model.score(data.X_test, data.y_test))
            run.epochs_run[name] = int(model.n_iter_)
    return run


def case1_rows(runs: list[TrainingRun]) -> list[dict]:
    """Case 1's rows; the score is accuracy for classifiers, R² for regressors."""
    rows = []
    for run in runs:
        speedup = run.samples_per_second("skweights") / run.samples_per_second(
            "scikit-learn"
        )
        delta = 100 * (run.scores["skweights"] - run.scores["scikit-learn"])
        target = SPEED_TARGET.get(run.dtype)
        rows.append(
            {
                "model": f"MLP{run.kind.capitalize()}",
                "dtype": run.dtype,
                "epochs run (sw/sk)": f"{run.epochs_run.get('skweights')}/"
                f"{run.epochs_run.get('scikit-learn')}",
                "skweights s/epoch": run.per_epoch("skweights"),
                "sklearn s/epoch": run.per_epoch("scikit-learn"),
                "skweights samples/s": run.samples_per_second("skweights"),
                "sklearn samples/s": run.samples_per_second("scikit-learn"),
                "speed-up": speedup,
                "target": f">= {target}x" if target else DASH,
                "met? (speed)": met(speedup >= target if target else None),
                "speed-up, best-of": run.best_ratio("scikit-learn", "skweights"),
                "skweights GFLOP/s": run.gflops("skweights"),
                "sklearn GFLOP/s": run.gflops("scikit-learn"),
                "skweights score": run.scores["skweights"],
                "sklearn score": run.scores["scikit-learn"],
                "Δ (points)": delta,
                "score target": f">= -{SCORE_TARGET_POINTS} pt",
                "met? (score)": met(delta >= -SCORE_TARGET_POINTS),
            }
        )
    return rows


def case2_rows(runs: list[TrainingRun]) -> list[dict]:
    """Case 2: the matmul-only loop against skweights' whole training loop."""
    rows = []
    for run in runs:
        fraction = run.per_epoch("limit") / run.per_epoch("skweights")
        target = LIMIT_TARGET.get(run.dtype)
        rows.append(
            {
                "model": f"MLP{run.kind.capitalize()}",
                "dtype": run.dtype,
                "matmul-only s/epoch": run.per_epoch("limit"),
                "skweights s/epoch": run.per_epoch("skweights"),
                "limit / skweights": fraction,
                "target": f">= {target}" if target else DASH,
                "met?": met(fraction >= target if target else None),
                "limit / skweights, best-of": run.best_ratio("limit", "skweights"),
                "matmul-only GFLOP/s": run.gflops("limit"),
            }
        )
    return rows


def case3_rows(runs: list[TrainingRun]) -> list[dict]:
    """Case 3: PyTorch's CPU loop (the rows that ran it, float32 and float64)."""
    rows = []
    for run in runs:
        if "torch" not in run.seconds:
            continue
        speedup = run.per_epoch("torch") / run.per_epoch("skweights")
        target = TORCH_TARGET.get(run.dtype)
        rows.append(
            {
                "model": f"MLP{run.kind.capitalize()}",
                "dtype": run.dtype,
                "torch s/epoch": run.per_epoch("torch"),
                "skweights s/epoch": run.per_epoch("skweights"),
                "speed-up": speedup,
                "target": f">= {target}x" if target else DASH,
                "met?": met(speedup >= target if target else None),
                "speed-up, best-of": run.best_ratio("torch", "skweights"),
                "torch score": run.scores.get("torch"),
                "skweights score": run.scores.get("skweights"),
            }
        )
    return rows


def throughput_rows(
    runs: list[TrainingRun], datas: dict[str, Data], n_rows: int, repeats: int, log
) -> list[dict]:
    """Case 5a: ``predict_proba`` rows/s on ``n_rows`` rows, alternating libraries."""
    rows = []
    for run in runs:
        if run.kind != "classifier":
            continue
        data = datas[run.kind].cast(np.dtype(run.dtype))
        X = np.concatenate([data.X_train, data.X_test])[:n_rows]
        seconds: dict[str, list[float]] = {"skweights": [], "scikit-learn": []}
        for repeat in range(repeats):
            names = list(seconds) if repeat % 2 == 0 else list(seconds)[::-1]
            for name in names:
                model = run.models[name]
                t, _ = timed(lambda model=model, X=X: model.predict_proba(X))
                seconds[name].append(t)
        proba_dtype = run.models["skweights"].predict_proba(X[:2]).dtype
        rate = {name: len(X) / median(values) for name, values in seconds.items()}
        log(f"  predict_proba {run.dtype}: {rate}")
        rows.append(
            {
                "model": "MLPClassifier",
                "dtype": run.dtype,
                "rows": len(X),
                "skweights rows/s": rate["skweights"],
                "sklearn rows/s": rate["scikit-learn"],
                "ratio": rate["skweights"] / rate["scikit-learn"],
                "skweights output dtype": str(proba_dtype),
            }
        )
    return rows


def peak_extra_bytes(function, *args) -> int:
    """Peak bytes allocated during ``function(*args)`` above those held before.

    Measured with tracemalloc, to which numpy reports its array buffers.
    """
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline, _ = tracemalloc.get_traced_memory()
        function(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - baseline


def memory_rows(datas: dict[str, Data], epochs: int, log) -> list[dict]:
    """Case 5b: peak extra memory of ``fit`` relative to X's size, both libraries."""
    rows = []
    for kind, data in datas.items():
        for dtype in ("float32", "float64"):
            cast = data.cast(np.dtype(dtype))
            X, y = cast.X_train, cast.y_train
            extra = {
                name: peak_extra_bytes(fit_quietly, make(kind, epochs), X, y)
                for name, make in (
                    ("skweights", skweights_model),
                    ("scikit-learn", sklearn_model),
                )
            }
            log(f"  memory {kind} {dtype}: {extra}")
            ratio = extra["skweights"] / X.nbytes
            rows.append(
                {
                    "model": f"MLP{kind.capitalize()}",
                    "dtype": dtype,
                    "X MB": X.nbytes / 1e6,
                    "skweights peak extra MB": extra["skweights"] / 1e6,
                    "skweights / X": ratio,
                    "sklearn peak extra MB": extra["scikit-learn"] / 1e6,
                    "sklearn / X": extra["scikit-learn"] / X.nbytes,
                    "target": f"<= {MEMORY_TARGET}",
                    "met?": met(ratio <= MEMORY_TARGET),
                }
            )
    return rows
