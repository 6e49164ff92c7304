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

with :math:`[j]` the local features of column :math:`j`. The Shapley values are
linear in the game, so they are the weighted mean over the background of the pair
games' values, and in the pair :math:`(x, b_k)` a column on which the two rows
agree is a null player: each pair enumerates only the :math:`2^m` coalitions of
its :math:`m` differing columns (on categorical data far fewer than
:math:`2^d`). Those coalitions' pre-activations are built by doubling (coalition
:math:`s` holds the players of its set bits: adding player :math:`j`'s
:math:`D_{kj}` to the first :math:`2^j` gives the next :math:`2^j`), one
addition per element; the rest of the network then runs on every (pair,
coalition) (chunked so no temporary exceeds
:data:`skweights._deepshap.BUDGET` floats), the output link is applied, and a
fixed matrix of Shapley weights reduces the coalition values
(:func:`exact_values`). :func:`sampled_values` evaluates the prefixes of random
permutations and their reverses instead (antithetic permutation sampling), for
many players, with one product of the 0/1 coalition matrix and the
differences.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import factorial
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from ._deepshap import BUDGET, link_output
from ._network import forward

#: Largest ``2**n_players * n_background`` that ``method="exact"`` accepts: the
#: network's forward pass runs on that many rows per explained row (about 16
#: million rows, tens of seconds per row for a (64, 32) network on one core).
EXACT_LIMIT = 2**24

#: Largest ``2**n_players * n_background`` for which ``method="auto"`` picks
#: ``"exact"``: 8 players with up to 128 background rows (the stored 100
#: included), 9 with 64, 10 with 32. Measured on a (64, 32) network with 8
#: players and 100 background rows: 13 to 80 ms per row on a loaded 2-core machine
#: (DeepSHAP: about 0.1 ms); every further player doubles it.
AUTO_LIMIT = 2**15


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

    def differ(self, local: np.ndarray) -> np.ndarray:
        """Whether each row and background row differ in each player, (n, b, d).

        Read off the local features, exactly (not off rounded products).
        """
        grouping = np.zeros((len(self.groups), self.n_players))
        grouping[np.arange(len(self.groups)), self.groups] = 1.0
        unequal = local[:, None, :] != self.local_b[None, :, :]
        return (unequal @ grouping) > 0

    def base_pre(self) -> np.ndarray:
        """Layer 0's pre-activation of the background rows, (n_background, h)."""
        return self.local_b @ self.coefs[0] + self.intercepts[0]

    def outputs(self, pre: np.ndarray) -> np.ndarray:
        """The explained output from layer 0's pre-activations, (n, n_outputs).

        ``pre`` (n, h) is overwritten: every layer works in place where it can
        (these arrays are the largest of the computation).
        """
        hidden = self.activation.forward(pre, out=pre)
        layers = forward(self.coefs[1:], self.intercepts[1:], hidden, self.activation)
        return link_output(layers[-1], self.link)

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


def coalition_values(game: Game, pre: np.ndarray) -> np.ndarray:
    """Values :math:`v(S)` from layer 0's pre-activations, (s, c, n_outputs).

    ``pre`` holds, for ``s`` coalitions and ``c`` rows, the pre-activations of
    every pair with a background row, (s, c, n_background * h).
    """
    n_coalitions, n_rows = pre.shape[:2]
    out = game.outputs(pre.reshape(-1, game.coefs[0].shape[1]))
    out = out.reshape(n_coalitions, n_rows, game.n_background, -1)
    return np.einsum("scbk,b->sck", out, game.weights)


def doubling_pre(D: np.ndarray, start: np.ndarray, first: int, step: int) -> np.ndarray:
    """Layer 0's pre-activations of coalitions ``first .. first + step - 1``.

    Coalition ``s`` holds the players of its set bits. ``step`` is a power of two
    and ``first`` a multiple of it, so the chunk shares its high bits and
    enumerates the low ones; each doubling adds one player's differences ``D``
    (c, n_players, L) to the half built so far: one addition per element instead
    of a product over the players. ``start`` (c, L) is the empty coalition's.
    Returns (step, c, L).
    """
    for j in range(D.shape[1]):
        if first >> j & 1:
            start = start + D[:, j]
    pre = np.empty((step, *start.shape))
    pre[0] = start
    for j in range(step.bit_length() - 1):
        np.add(pre[: 2**j], D[None, :, j], out=pre[2**j : 2 ** (j + 1)])
    return pre


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
    Otherwise the Shapley values are linear in the game, so they are the
    weighted mean over the background of each pair's own Shapley values; in the
    pair :math:`(x, b_k)` a column where :math:`x` and :math:`b_k` agree is a null
    player, so each pair enumerates only the coalitions of the columns where they
    differ (:func:`pair_values`), which saves much on categorical data.
    """
    full, players = game, None
    game, players = game.active()
    base = game.base_value()
    if game.linear_identity:
        c_b = np.einsum("b,bjh->jh", game.weights, game.contributions(game.local_b))
        return full.scatter(players, game.contributions(game.local_x) - c_b), base
    check_exact_size(game.n_players, game.n_background)
    n, d = game.local_x.shape[0], game.n_players
    c_b = game.contributions(game.local_b)
    z0_b = game.base_pre()
    values = np.zeros((n, d, base.shape[0]))
    n_rows = max(1, budget // (game.n_background * d * z0_b.shape[1]))
    for start in range(0, n, n_rows):
        rows = slice(start, start + n_rows)
        D = game.contributions(game.local_x[rows])[:, None] - c_b  # (c, b, d, h)
        differ = game.differ(game.local_x[rows])
        sizes = differ.sum(axis=2)
        for size in range(1, d + 1):
            # The pairs with `size` differing columns, in (row, background) order,
            # so a row's sums run in the same order whatever else is explained.
            i, k = np.nonzero(sizes == size)
            if len(i):
                order = np.argsort(~differ[i, k], axis=1, kind="stable")[:, :size]
                D_pairs = D[i[:, None], k[:, None], order]  # (pairs, size, h)
                phi = pair_values(game, D_pairs, z0_b[k], budget)
                phi *= game.weights[k][:, None, None]
                np.add.at(values, (start + i[:, None], order), phi)
    return full.scatter(players, values), base


def pair_values(
    game: Game, D: np.ndarray, start: np.ndarray, budget: int = BUDGET
) -> np.ndarray:
    """Shapley values of pair games with the same number of players, (p, m, k).

    ``D`` (p, m, h) holds each pair's differing players' differences, ``start``
    (p, h) its background row's layer-0 pre-activations.
    """
    n_pairs, size, width = D.shape
    M = shapley_matrix(size)
    # Powers of two (for doubling_pre), independent of how many pairs there are.
    step = min(len(M), 2 ** (max(1, budget // game.widest).bit_length() - 1))
    chunk = max(1, budget // (step * game.widest))
    phi = np.zeros((n_pairs, size, game.coefs[-1].shape[1]))
    for first_pair in range(0, n_pairs, chunk):
        pairs = slice(first_pair, first_pair + chunk)
        for first in range(0, len(M), step):
            pre = doubling_pre(D[pairs], start[pairs], first, step)
            out = game.outputs(pre.reshape(-1, width))
            out = out.reshape(step, -1, out.shape[1])
            phi[pairs] += np.einsum("sj,spk->pjk", M[first : first + step], out)
    return phi


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


def choose_method(game: Game) -> str:
    """``"auto"``'s choice: exact when its per-row cost is small, else deep.

    Decided from the players that reach the network and the background size
    only (and whether the output is linear), never from the rows explained.
    """
    n_players = len(np.unique(game.groups))
    if game.linear_identity or 2**n_players * game.n_background <= AUTO_LIMIT:
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


def antithetic_orders(
    rng: np.random.Generator, n_players: int, n_pairs: int
) -> np.ndarray:
    """``n_pairs`` random orders of the players, each followed by its reverse."""
    orders = np.empty((2 * n_pairs, n_players), dtype=np.intp)
    for p in range(n_pairs):
        orders[2 * p] = rng.permutation(n_players)
        orders[2 * p + 1] = orders[2 * p][::-1]
    return orders


def walk_values(
    game: Game, orders: np.ndarray, D: np.ndarray, z0: np.ndarray, budget: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values of the empty and full coalitions and of every order's prefixes.

    ``D`` (n_players, n_background * h) holds the row's differences, ``z0`` the
    background's layer-0 pre-activations, flat. A prefix's pre-activations are
    the previous prefix's plus one player's differences: a running sum. Returns
    v(empty) and v(all), (n_outputs,), and the proper prefixes' values, (n_orders,
    n_players - 1, n_outputs).
    """
    n_orders, d = orders.shape
    v_empty = coalition_values(game, z0[None, None].copy())[0, 0]
    v_full = coalition_values(game, (z0 + D.sum(axis=0))[None, None])[0, 0]
    per_order = max(1, budget // ((d - 1) * game.n_background * game.widest))
    inner = []
    for first in range(0, n_orders, per_order):
        chunk = orders[first : first + per_order, :-1]
        pre = np.cumsum(D[chunk], axis=1)  # (orders, d - 1, L)
        pre += z0
        v = coalition_values(game, pre.reshape(-1, 1, pre.shape[2]))[:, 0]
        inner.append(v.reshape(len(chunk), d - 1, -1))
    return v_empty, v_full, np.concatenate(inner)


def permutation_estimates(
    orders: np.ndarray, v_empty: np.ndarray, v_full: np.ndarray, inner: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of the antithetic pairs' marginal contributions.

    The arguments are :func:`walk_values`' results for ``orders``. Every order's
    contributions sum to ``v_full - v_empty``, so the mean does too. Returns two
    arrays of shape (n_players, n_outputs).
    """
    n_orders, d = orders.shape
    ends = (n_orders, 1, inner.shape[2])
    walk = np.concatenate(
        [np.broadcast_to(v_empty, ends), inner, np.broadcast_to(v_full, ends)], axis=1
    )
    steps = np.diff(walk, axis=1)  # (orders, d, k): the player of rank t
    contribution = np.empty_like(steps)
    np.put_along_axis(contribution, orders[:, :, None], steps, axis=1)
    pairs = contribution.reshape(n_orders // 2, 2, d, -1).mean(axis=1)
    error = pairs.std(axis=0, ddof=1) / np.sqrt(pairs.shape[0])
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
    z0 = game.base_pre().ravel()
    for i in range(n):
        rng = row_generator(entropy, game.local_x[i])
        orders = antithetic_orders(rng, d, n_permutations // 2)
        D = pair_differences(game, slice(i, i + 1))[0]
        walk = walk_values(game, orders, D, z0, budget)
        values[i], errors[i] = permutation_estimates(orders, *walk)
    return full.scatter(players, values), full.scatter(players, errors), base
