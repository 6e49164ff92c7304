r"""Exact and sampled interventional Shapley values on the network's own forward pass.

For a row :math:`x`, background rows :math:`b_k` with weights :math:`w_k` and the
players :math:`j = 1 \dots d` (the model's input columns), the value of a coalition
:math:`S` is

.. math::

    v(S) = \frac{\sum_k w_k\, f(x_S, b_{k, \bar S})}{\sum_k w_k},

and :math:`\phi_j = \sum_{S \not\ni j} \frac{|S|!\,(d - |S| - 1)!}{d!}
(v(S \cup j) - v(S))` are its Shapley values (interventional, as shap's
``ExactExplainer`` with an independent masker).

The first layer sees the players additively: its input is the *local* features
:math:`u(x)` (each a function of one input column) times a folded weight matrix
:math:`W_0` (the preprocessing's linear map included), so for the pair
:math:`(x, b_k)` its pre-activation on :math:`S` is

.. math::

    z_0(S) = z_0(b_k) + \sum_{j \in S} D_{kj}, \qquad
    D_{kj} = (u(x) - u(b_k))_{[j]}\, W_0[j],

with :math:`[j]` the local features of column :math:`j`. Every coalition is a row of
a 0/1 matrix :math:`Z`, so all of them cost one product :math:`Z D`; the rest of
the network then runs on ``n_coalitions * n_background`` rows (chunked so no
temporary exceeds :data:`skweights._deepshap.BUDGET` floats), the output link is
applied, the background is averaged, and a fixed matrix of Shapley weights reduces
the coalition values (:func:`exact_values`). :func:`sampled_values` evaluates the
prefixes of random permutations and their reverses instead (antithetic permutation
sampling), for many players.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import factorial
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from ._deepshap import BUDGET, forward_layers, link_output

#: Largest ``2**n_players * n_background`` that ``method="exact"`` accepts: the
#: network's forward pass runs on that many rows per explained row (about 16
#: million rows, tens of seconds per row for a (64, 32) network on one core).
EXACT_LIMIT = 2**24

#: Largest ``2**n_players * n_background`` for which ``method="auto"`` picks
#: ``"exact"`` (10 players with 64 background rows, 9 with 100-128): a few to a
#: few tens of milliseconds per row for a (64, 32) network.
AUTO_LIMIT = 2**16


@dataclass
class Game:
    """A network seen as a cooperative game over its input columns, for many rows.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        The network, float64, its first layer folded onto the local features.
    activation : Activation
        The hidden layers' activation.
    link : {"identity", "logistic", "exp", "softmax"}
        The output link applied before averaging over the background.
    local_x : ndarray of shape (n_samples, n_local)
        Local features of the explained rows.
    local_b : ndarray of shape (n_background, n_local)
        Local features of the background rows.
    groups : ndarray of shape (n_local,)
        The player (input column) of each local feature.
    n_players : int
        Number of input columns.
    weights : ndarray of shape (n_background,)
        Background weights, summing to one.
    """

    coefs: Sequence[np.ndarray]
    intercepts: Sequence[np.ndarray]
    activation: Any
    link: str
    local_x: np.ndarray
    local_b: np.ndarray
    groups: np.ndarray
    n_players: int
    weights: np.ndarray

    @property
    def n_background(self) -> int:
        """Number of background rows."""
        return self.local_b.shape[0]

    @property
    def linear_identity(self) -> bool:
        """Whether the explained output is linear in the local features."""
        return len(self.coefs) == 1 and self.link == "identity"

    def contributions(self, local: np.ndarray) -> np.ndarray:
        """Each player's share of layer 0's pre-activation, (n, n_players, h)."""
        W0 = self.coefs[0]
        out = np.zeros((local.shape[0], self.n_players, W0.shape[1]))
        for j in np.unique(self.groups):
            block = self.groups == j
            out[:, j, :] = local[:, block] @ W0[block]
        return out

    def base_pre(self) -> np.ndarray:
        """Layer 0's pre-activation of the background rows, (n_background, h)."""
        return self.local_b @ self.coefs[0] + self.intercepts[0]

    def outputs(self, pre: np.ndarray) -> np.ndarray:
        """The explained output from layer 0's pre-activations, (n, n_outputs)."""
        if len(self.coefs) == 1:
            raw = pre
        else:
            first = self.activation.forward(pre)
            raw = forward_layers(
                self.coefs[1:], self.intercepts[1:], self.activation, first
            )[2]
        return link_output(raw, self.link)

    def base_value(self) -> np.ndarray:
        """The weighted mean output over the background, (n_outputs,)."""
        return self.weights @ self.outputs(self.base_pre())

    def active(self) -> tuple[Game, np.ndarray]:
        """The game among the columns that reach the network, and those columns.

        A column without local features (dropped by a ``ColumnTransformer``) is a
        null player: its value is exactly zero, and leaving it out halves the
        cost of the exact computation.
        """
        players, groups = np.unique(self.groups, return_inverse=True)
        return replace(self, groups=groups, n_players=len(players)), players

    def scatter(self, players: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Values of the active players in every column (zero elsewhere)."""
        full = np.zeros((values.shape[0], self.n_players, values.shape[2]))
        full[:, players] = values
        return full

    @property
    def widest(self) -> int:
        """The widest layer (for the memory budget)."""
        return max(W.shape[1] for W in self.coefs)


def coalitions(n_players: int) -> np.ndarray:
    """Every coalition as a 0/1 row, (2**n_players, n_players); row s is s's bits."""
    index = np.arange(2**n_players)[:, None]
    return ((index >> np.arange(n_players)) & 1).astype(np.float64)


def shapley_matrix(n_players: int) -> np.ndarray:
    r"""The weights :math:`M` with :math:`\phi = M^\top v`, (2**n_players, n_players).

    :math:`M[S, j] = |S - 1|!\,(d - |S|)!/d!` when :math:`j \in S`, else
    :math:`-|S|!\,(d - |S| - 1)!/d!`.
    """
    Z = coalitions(n_players)
    size = Z.sum(axis=1).astype(int)
    d = n_players
    weight = np.array(
        [factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)] + [0.0]
    )
    inside = weight[np.maximum(size - 1, 0)][:, None]
    outside = weight[size][:, None]
    return np.where(Z > 0, inside, -outside)


def coalition_values(
    game: Game, Z: np.ndarray, D: np.ndarray, z0_b: np.ndarray
) -> np.ndarray:
    """Values :math:`v(S)` of coalitions for a few rows, (c, s, n_outputs).

    ``Z`` is (1 or c, s, n_players), ``D`` the pairs' differences of
    contributions (c, n_players, n_background * h), ``z0_b`` the background's
    layer-0 pre-activations (n_background, h).
    """
    n_rows, n_coalitions = D.shape[0], Z.shape[1]
    pre = np.matmul(Z, D).reshape(n_rows, n_coalitions, *z0_b.shape)
    pre += z0_b
    out = game.outputs(pre.reshape(-1, z0_b.shape[1]))
    out = out.reshape(n_rows, n_coalitions, game.n_background, -1)
    return np.einsum("csbk,b->csk", out, game.weights)


def pair_differences(game: Game, rows: slice) -> np.ndarray:
    """``D[i, j, (k, h)] = c_j(x_i) - c_j(b_k)``, (c, n_players, n_background * h)."""
    c_x = game.contributions(game.local_x[rows])
    c_b = game.contributions(game.local_b)
    D = c_x[:, None, :, :] - c_b[None, :, :, :]  # (c, b, d, h)
    return np.ascontiguousarray(D.transpose(0, 2, 1, 3)).reshape(
        D.shape[0], game.n_players, -1
    )


def exact_values(game: Game, budget: int = BUDGET) -> tuple[np.ndarray, np.ndarray]:
    """Exact interventional Shapley values, (n_samples, n_players, n_outputs).

    Returns the values and the base value (the weighted mean output over the
    background). An output linear in the local features (a linear model's raw
    output) takes the closed form :math:`\\phi_j = c_j(x) - E_w[c_j(b)]`.
    """
    full, players = game, None
    game, players = game.active()
    base = game.base_value()
    if game.linear_identity:
        c_b = np.einsum("b,bjh->jh", game.weights, game.contributions(game.local_b))
        return full.scatter(players, game.contributions(game.local_x) - c_b), base
    check_exact_size(game.n_players, game.n_background)
    Z, M = coalitions(game.n_players), shapley_matrix(game.n_players)
    per_coalition = game.n_background * game.widest
    # Coalition chunks do not depend on the number of rows: a row's sums run in
    # the same order whatever else is explained with it.
    step = int(min(len(Z), max(1, budget // per_coalition)))
    n_rows = max(1, budget // (step * per_coalition))
    z0_b = game.base_pre()
    n = game.local_x.shape[0]
    values = np.zeros((n, game.n_players, base.shape[0]))
    for start in range(0, n, n_rows):
        rows = slice(start, start + n_rows)
        D = pair_differences(game, rows)
        for first in range(0, len(Z), step):
            part = slice(first, first + step)
            v = coalition_values(game, Z[None, part], D, z0_b)
            values[rows] += np.einsum("sj,csk->cjk", M[part], v)
    return full.scatter(players, values), base


def check_exact_size(n_players: int, n_background: int) -> None:
    """Refuse an exact computation whose forward pass is too large."""
    size = 2**n_players * n_background
    if size > EXACT_LIMIT:
        raise ValueError(
            f"explain: method='exact' would run the network on 2**{n_players} "
            f"coalitions x {n_background} background rows = {size:,} rows for "
            f"every explained row (the limit is {EXACT_LIMIT:,}); the cost is "
            "2**n_columns x n_background x the network. Use method='sampling' "
            "(unbiased, with error_std) or method='deep', or a smaller background."
        )


def choose_method(game_players: int, n_background: int, linear: bool) -> str:
    """``"auto"``'s choice: exact when its per-row cost is small, else deep."""
    if linear or 2**game_players * n_background <= AUTO_LIMIT:
        return "exact"
    return "deep"


def row_generator(entropy: int, row: np.ndarray) -> np.random.Generator:
    """A generator seeded by ``entropy`` and the row's own bytes (not its index)."""
    digest = hashlib.blake2b(
        np.ascontiguousarray(row, dtype=np.float64).tobytes(), digest_size=16
    ).digest()
    words = np.frombuffer(digest, dtype=np.uint32).tolist()
    return np.random.default_rng(np.random.SeedSequence([entropy, *words]))


def base_entropy(random_state: Any) -> int:
    """One integer from ``random_state`` (None: fresh entropy for this call)."""
    if random_state is None:
        return int(np.random.SeedSequence().entropy % 2**63)
    return int(check_random_state(random_state).randint(2**31 - 1))


def permutation_coalitions(
    rng: np.random.Generator, n_players: int, n_pairs: int
) -> tuple[np.ndarray, np.ndarray]:
    """The prefixes of ``n_pairs`` random permutations and their reverses.

    Returns the orders (2 * n_pairs, d), each permutation followed by its
    reverse, and the coalitions (2 + 2 * n_pairs * (d - 1), d): the empty one, the
    full one, then every proper non-empty prefix of each order in turn.
    """
    d = n_players
    orders = np.empty((2 * n_pairs, d), dtype=np.intp)
    for p in range(n_pairs):
        orders[2 * p] = rng.permutation(d)
        orders[2 * p + 1] = orders[2 * p][::-1]
    rank = np.empty_like(orders)
    np.put_along_axis(rank, orders, np.arange(d)[None, :], axis=1)
    # prefix t of an order holds the players of rank < t, t = 1 .. d - 1
    prefixes = rank[:, None, :] < np.arange(1, d)[None, :, None]
    Z = np.concatenate(
        [np.zeros((1, d)), np.ones((1, d)), prefixes.reshape(-1, d)]
    ).astype(np.float64)
    return orders, Z


def permutation_estimates(
    orders: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of the antithetic pairs' marginal contributions.

    ``v`` holds the coalition values in :func:`permutation_coalitions`' order,
    (n_coalitions, n_outputs). Returns two arrays of shape (d, n_outputs).
    """
    n_orders, d = orders.shape
    inner = v[2:].reshape(n_orders, d - 1, -1)
    walk = np.concatenate(
        [
            np.broadcast_to(v[0], (n_orders, 1, v.shape[1])),
            inner,
            np.broadcast_to(v[1], (n_orders, 1, v.shape[1])),
        ],
        axis=1,
    )
    steps = np.diff(walk, axis=1)  # (orders, d, k): the player of rank t
    contribution = np.empty_like(steps)
    np.put_along_axis(contribution, orders[:, :, None], steps, axis=1)
    pairs = contribution.reshape(n_orders // 2, 2, d, -1).mean(axis=1)
    n_pairs = pairs.shape[0]
    error = pairs.std(axis=0, ddof=1) / np.sqrt(n_pairs)
    return pairs.mean(axis=0), error


def sampled_values(
    game: Game, n_permutations: int, random_state: Any, budget: int = BUDGET
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Antithetic permutation-sampling estimates, their standard errors, the base.

    Each row draws its permutations from a generator seeded by ``random_state``
    and the row's own local features, so a row gets the same values alone or in a
    batch. Returns values and errors of shape (n_samples, n_players, n_outputs)
    and the base value.
    """
    full, players = game, None
    game, players = game.active()
    base = game.base_value()
    n, d = game.local_x.shape[0], game.n_players
    values = np.zeros((n, d, base.shape[0]))
    errors = np.zeros_like(values)
    if game.linear_identity or d <= 2:
        # Nothing to sample: the closed form, or every coalition in fewer
        # evaluations than one antithetic pair.
        values = exact_values(full, budget)[0]
        return values, np.zeros_like(values), base
    entropy = base_entropy(random_state)
    z0_b = game.base_pre()
    step = max(1, budget // (game.n_background * game.widest))
    for i in range(n):
        rng = row_generator(entropy, game.local_x[i])
        orders, Z = permutation_coalitions(rng, d, n_permutations // 2)
        D = pair_differences(game, slice(i, i + 1))
        v = np.concatenate(
            [
                coalition_values(game, Z[None, first : first + step], D, z0_b)[0]
                for first in range(0, len(Z), step)
            ]
        )
        values[i], errors[i] = permutation_estimates(orders, v)
    return full.scatter(players, values), full.scatter(players, errors), base
