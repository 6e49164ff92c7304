"""Mutation testing of skweights' math-critical functions (``make mutation``).

``python tools/mutation.py run`` runs mutmut (configured in pyproject.toml's
``[tool.mutmut]``) on the functions listed in ``SCOPE`` and then prints the report;
``python tools/mutation.py report`` prints the report of the last run again;
``python tools/mutation.py resume`` runs only the mutants an interrupted run left
unchecked.
``python tools/mutation.py run GLOB...`` re-runs only the mutants matching the globs
(e.g. the survivors after adding a test).

The report gives the score (killed / (killed + survived)) over the scope, per module,
and lists every mutant that survived, with the command that shows its diff.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

# mutmut names a mutant <module>.x_<function>__mutmut_<n>, or
# <module>.xǁ<Class>ǁ<method>__mutmut_<n>: "?" below stands for "ǁ". Each glob
# must end in "*" after the function name (mutmut matches it against the function
# too, to pick the tests to run).
SCOPE = [
    # penalties: value, gradient, proximal operator
    "skweights.penalties.x_soft_threshold*",
    "skweights.penalties.x__as_scale*",
    "skweights.penalties.x?Penalty?*",
    # optimizers: every update rule. The full-batch solvers' drivers (LBFGS and
    # FISTA's minimize: line searches, stopping rules) are left out to keep a run
    # near 30 minutes; their solutions are checked against scikit-learn's.
    "skweights.optimizers.x__apply_prox*",
    "skweights.optimizers.x__uses_prox*",
    "skweights.optimizers.x__zeros_like*",
    "skweights.optimizers.x__per_array*",
    "skweights.optimizers.x?Optimizer?init*",
    "skweights.optimizers.x?Optimizer?update*",
    "skweights.optimizers.x?*?_initial_slot*",
    "skweights.optimizers.x?*?_step*",
    "skweights.optimizers.x?Adam?_weight_decay*",
    # gradient clipping (clipnorm, global_clipnorm)
    "skweights.optimizers.x_clip_gradients*",
    "skweights.optimizers.x__clip*",
    "skweights.optimizers.x__norm*",
    # the full-batch solvers' penalty value and strengths (skweights._full_batch)
    "skweights._full_batch.x__nonsmooth_value*",
    "skweights._full_batch.x__l1_l2_strengths*",
    # schedules: the rate of every epoch, plateau reduction
    "skweights.schedules.x?_Schedule?value*",
    "skweights.schedules.x?*?_rate*",
    "skweights.schedules.x?Cosine?init*",
    "skweights.schedules.x?Adaptive?value*",
    "skweights.schedules.x?Adaptive?observe*",
    "skweights.schedules.x?Adaptive?exhausted*",
    # initializers: fans, variances, the draws
    "skweights.initializers.x__compute_fans*",
    "skweights.initializers.x?VarianceScaling?variance*",
    "skweights.initializers.x?VarianceScaling?__call__*",
    "skweights.initializers.x?RandomNormal?__call__*",
    "skweights.initializers.x?RandomUniform?__call__*",
    "skweights.initializers.x?Orthogonal?__call__*",
    # activations: forward, derivative, backprop
    "skweights.activations.x?*?_forward*",
    "skweights.activations.x?*?_derivative*",
    "skweights.activations.x?*?_backprop*",
    "skweights.activations.x?LeakyReLU?_slope*",
    # losses: pointwise values, gradients, weighting, link
    "skweights.losses.x__row_sum*",
    "skweights.losses.x__row_max*",
    "skweights.losses.x__normalized_weights*",
    "skweights.losses.x__softmax*",
    "skweights.losses.x?*?_pointwise*",
    "skweights.losses.x?*?_gradient*",
    "skweights.losses.x?*?_predict*",
    "skweights.losses.x?Loss?value*",
    "skweights.losses.x?Loss?weighted_gradient*",
    # the network: forward, backward, objective, batch scales
    "skweights._network.x_forward*",
    "skweights._network.x_backward*",
    "skweights._network.x__dot*",
    "skweights._network.x?Workspace?fuse_gradients*",
    "skweights._network.x?Objective?[!_]*",
    "skweights._network.x_sample_scale*",
    "skweights._network.x_interleave*",
    # the minibatch training loop (the full-batch one is a driver of the solvers;
    # _train_minibatch and Objective.__post_init__ set a fit up, and a slip there
    # fails every fit: 190 mutants that each run every training test)
    "skweights._training.x_run_epoch*",
    "skweights._training.x_end_epoch*",
    "skweights._training.x__fusable*",
    "skweights._training.x__fuse__*",
    "skweights._training.x__trainable*",
    "skweights._training.x__put_back*",
    "skweights._training.x__restore_best*",
    # DeepSHAP's multipliers (not the batching around them)
    "skweights._deepshap.x_rescale*",
    "skweights._deepshap.x__rescale_numpy*",
    "skweights._deepshap.x__softmax_multipliers*",
    "skweights._deepshap.x_link_output*",
    "skweights._deepshap.x?_Expit?derivative*",
    # persistence: which names load may trust
    "skweights._persistence.x__is_own_type*",
    "skweights._persistence.x__check_trusted*",
]

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests"}
_STATUS.update({36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout"})


def _in_scope(name: str, scope: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, glob) for glob in scope)


def _results(scope: list[str]) -> dict[str, str]:
    """Status of every mutant in scope from mutmut's files under mutants/."""
    results = {}
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        for name, code in codes.items():
            if _in_scope(name, scope):
                results[name] = (
                    "not checked" if code is None else _STATUS.get(code, "suspicious")
                )
    return results


def report(scope: list[str]) -> int:
    """Print the score over ``scope``; return 1 if a mutant was not checked."""
    results = _results(scope)
    if not results:
        print("No mutation results: run `make mutation` first.")
        return 1
    by_module: dict[str, Counter] = {}
    for name, status in results.items():
        module = name.split(".x", 1)[0]
        by_module.setdefault(module, Counter())[status] += 1
    print(f"{'module':<28}{'killed':>8}{'survived':>10}{'other':>7}{'score':>8}")
    total = Counter()
    for module, counts in sorted(by_module.items()):
        total.update(counts)
        _print_row(module, counts)
    _print_row("all", total)
    survivors = sorted(n for n, s in results.items() if s != "killed")
    if survivors:
        print("\nNot killed (see each with `python -m mutmut show NAME`):")
        for name in survivors:
            print(f"  {results[name]:<12} {name}")
    return int(total["not checked"] > 0)


def _print_row(module: str, counts: Counter) -> None:
    killed, survived = counts["killed"], counts["survived"]
    other = sum(counts.values()) - killed - survived
    score = 100.0 * killed / max(killed + survived, 1)
    print(f"{module:<28}{killed:>8}{survived:>10}{other:>7}{score:>7.1f}%")


def main(argv: list[str]) -> int:
    command, globs = (argv[0] if argv else "report"), argv[1:]
    scope = globs or SCOPE
    if command == "resume":
        names = sorted(n for n, s in _results(scope).items() if s == "not checked")
        if not names:
            return report(scope)
        command, scope_to_run = "run", names
    else:
        scope_to_run = scope
    if command == "run":
        # mutmut forks a worker per mutant: a BLAS thread pool started before the
        # fork deadlocks the child, so numpy runs single-threaded here.
        env = dict(os.environ, **{name: "1" for name in _THREAD_VARIABLES})
        # The numba kernels stay on, as in any other run: mutmut skips the kernels
        # themselves (decorated functions), the tests that compare them with the
        # numpy reference (tests/test_kernels.py, tests/test_deepshap_kernel.py)
        # run that reference under _jit.disabled(), and the glue that calls the
        # kernels is mutated and tested like the rest.
        command_line = [sys.executable, "-m", "mutmut", "run", *scope_to_run]
        subprocess.run(command_line, check=False, env=env)
    elif command != "report":
        print(__doc__)
        return 2
    return report(scope)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
