"""
===============================================
Training on a CSV larger than memory, in chunks
===============================================

``partial_fit`` runs one epoch over whatever it is given and keeps the optimizer's
state between calls, so a model can learn from a file read piece by piece with
``pandas.read_csv(chunksize=...)``: only one chunk is ever in memory. Here we write a
CSV of 20,000 rows, stream it in chunks of 2,000 rows for a few passes, and compare
the streamed model with one fitted on the whole table at once.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

from skweights import MLPClassifier

# %%
# Write a CSV that we will only ever read in chunks.
X, y = make_classification(
    n_samples=24_000, n_features=10, n_informative=6, n_classes=3, random_state=0
)
columns = [f"x{i}" for i in range(X.shape[1])]
table = pd.DataFrame(X, columns=columns).assign(label=y)
train, test = table.iloc[:20_000], table.iloc[20_000:]
path = Path(tempfile.mkdtemp()) / "train.csv"
train.to_csv(path, index=False)
print(f"{path.stat().st_size / 1e6:.1f} MB, {len(train)} rows")

# %%
# Stream it: every class must be announced on the first call, since a chunk may
# not contain them all.
classes = np.unique(y)
model = MLPClassifier((32,), learning_rate=3e-3, random_state=0)
scores = []
for n_pass in range(3):
    for chunk in pd.read_csv(path, chunksize=2_000):
        model.partial_fit(chunk[columns], chunk["label"], classes=classes)
        scores.append(model.score(test[columns], test["label"]))
    print(f"pass {n_pass + 1}: test accuracy {scores[-1]:.3f}")

# %%
# The same network fitted on the whole table for as many epochs.
full = MLPClassifier((32,), learning_rate=3e-3, max_iter=3, random_state=0)
full.fit(train[columns], train["label"])
print(f"fit on everything: {full.score(test[columns], test['label']):.3f}")

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
ax.plot(np.arange(1, len(scores) + 1), scores, marker=".", label="partial_fit")
ax.axhline(full.score(test[columns], test["label"]), color="k", ls="--", label="fit")
ax.set_xlabel("chunks seen")
ax.set_ylabel("test accuracy")
ax.legend()
plt.show()
