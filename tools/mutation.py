"""Mutation testing of skweights' math-critical functions (``make mutation``).

``python tools/mutation.py run`` runs mutmut (configured in pyproject.toml's
``[tool.mutmut]``) on a fixed sample of the mutants of the functions listed in
``SCOPE`` (``SAMPLE_FRACTION`` of each function's, see ``sample``) and then prints
the report; ``run --all`` runs every mutant of the scope instead (several times
longer);
``python tools/mutation.py report`` prints the report of the last run again
(``report --all``: over every mutant of the scope);
``python tools/mutation.py resume`` runs only the mutants an interrupted run left
unchecked.
``python tools/mutation.py run GLOB...`` re-runs every mutant matching the globs
(e.g. the survivors after adding a test, or one function's mutants).

The report gives the score (killed / (killed + survived)) over the sample (or the
scope), per module, and lists every mutant that survived, with the command that
shows its diff.
"""

from __future__ import annotations

import fnmatch
import json
import os
import random
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
    "skweights.optimizers.x?*?scalar_coefficients*",
    # gradient clipping (clipnorm, global_clipnorm)
    "skweights.optimizers.x_clip_gradients*",
    "skweights.optimizers.x?Optimizer?_clipping*",
    "skweights.optimizers.x?Optimizer?apply*",
    "skweights.optimizers.x?Optimizer?_rule*",
    "skweights._training.x?_Step?*",
    "skweights._training.x__clipping*",
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
    "skweights.activations.x?LeakyReLU?_validated*",
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
    "skweights._network.x?Workspace?flatten_gradients*",
    "skweights._network.x?Objective?[!_]*",
    "skweights._network.x_sample_scale*",
    "skweights._network.x_interleave*",
    # the minibatch training loop (the full-batch one is a driver of the solvers;
    # _train_minibatch and Objective.__post_init__ set a fit up, and a slip there
    # fails every fit: 190 mutants that each run every training test)
    "skweights._training.x_run_epoch*",
    "skweights._training.x_end_epoch*",
    "skweights._training.x__flattenable*",
    "skweights._training.x__flatten__*",
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
    # -- the code written since (issue 30): whole modules where all of it is the
    # behaviour, named functions where a module also draws or prints
    # pipeline column map and explain (DeepSHAP through the preprocessing)
    "skweights._pipeline.*",
    "skweights._column_map.*",
    "skweights._explain.*",
    # linear solvers: direct (Cholesky, lstsq, NNLS, LSQR) and coordinate descent
    "skweights._linear_solvers.*",
    # every penalty, the group prox included (block soft-thresholding, the
    # weighted block prox and its secular equation)
    "skweights.penalties.*",
    # every loss: values, gradients, links, domains
    "skweights.losses.*",
    # the numpy glue around the numba kernels: which rules a plan takes, the
    # optimizer step's coefficients (the optimizers' scalar_coefficients, plain
    # methods in scope above). The kernel generators (_hidden_forward...) are left
    # out: each of their mutants would compile numba kernels, and the numpy
    # reference the kernels follow is the components' own code, in scope above.
    "skweights._kernels.x__rule*",
    "skweights._kernels.x__activation_kernels*",
    "skweights._kernels.x__loss_kernel*",
    "skweights._kernels.x__optimizer_step*",
    "skweights._kernels.x_forget_scalar_rules*",
    "skweights._kernels.x?Plan?*",
    "skweights._kernels.x_plan*",
    # divergence, the epoch record and the full-batch and linear training drivers
    "skweights._training.x__diverged*",
    "skweights._training.x__penalize_and_measure*",
    "skweights._training.x__minibatch_epoch*",
    "skweights._training.x__record*",
    "skweights._training.x__norms*",
    "skweights._training.x__observe_schedule*",
    "skweights._training.x__train_linear*",
    "skweights._training.x__train_full_batch*",
    "skweights._training.x?_FullBatchRun?*",
    "skweights._training.x?_BlockEvaluator?*",
    "skweights._training.x?_Checkpoint?*",
    "skweights._training.x?_Step?*",
    "skweights._training.x?History?*",
    "skweights._training.x__encode_column*",
    "skweights._training.x__decode_column*",
    # every schedule
    "skweights.schedules.*",
    # the default background
    "skweights._base.x__background_sample*",
    # the weight record
    "skweights._weight_record.*",
    # the learning-rate range test (not its figure)
    "skweights._lr_range.x_learning_rate_range*",
    "skweights._lr_range.x__range_plan*",
    "skweights._lr_range.x__batches*",
    "skweights._lr_range.x__sweep*",
    "skweights._lr_range.x__zero_lag_average*",
    "skweights._lr_range.x__suggest*",
    "skweights._lr_range.x?LearningRateRange?*",
    # persistence: save, load, the trust list
    "skweights._persistence.*",
    # the full-batch solvers: L-BFGS and FISTA's drivers, line search, restart
    "skweights._full_batch.*",
]

# A full run samples the scope: in every function, SAMPLE_FRACTION of its mutants
# (at least one), drawn with a generator seeded by SAMPLE_SEED and the function's
# name, so that the same code always gives the same sample and an edit to one
# function redraws only that function's. `run --all` runs every mutant.
SAMPLE_SEED = 30
SAMPLE_FRACTION = 0.3

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests"}
_STATUS.update({36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout"})

# mutmut's own steps that write mutants/ (the mutated copies and one .meta file per
# module listing its mutants), without running anything: mutmut 3 has no command
# for it. Run in a child process, as `mutmut run` would.
_GENERATE = """
import os
from mutmut.__main__ import (
    copy_also_copy_files, copy_src_dir, create_mutants, set_mutant_under_test,
    setup_source_paths,
)
set_mutant_under_test("mutant_generation")
os.makedirs("mutants", exist_ok=True)
copy_src_dir()
copy_also_copy_files()
setup_source_paths()
create_mutants(os.cpu_count() or 2)
"""


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


def _function(name: str) -> str:
    """The mutated function of a mutant name (``...__mutmut_<n>`` removed)."""
    return name.rsplit("__mutmut_", 1)[0]


def _number(name: str) -> int:
    return int(name.rsplit("__mutmut_", 1)[1])


def sample(names: list[str]) -> list[str]:
    """The sampled mutants: per function, ``SAMPLE_FRACTION`` of them (at least 1).

    Each function's draw depends only on ``SAMPLE_SEED``, its name and its number
    of mutants, so it is the same on every run of the same code.
    """
    by_function: dict[str, list[str]] = {}
    for name in names:
        by_function.setdefault(_function(name), []).append(name)
    chosen = []
    for function, members in sorted(by_function.items()):
        members.sort(key=_number)
        k = max(1, round(SAMPLE_FRACTION * len(members)))
        rng = random.Random(f"{SAMPLE_SEED}:{function}:{len(members)}")
        chosen.extend(sorted(rng.sample(members, k), key=_number))
    return chosen


def report(scope: list[str], sampled: bool = False) -> int:
    """Print the score over ``scope``; return 1 if a mutant was not checked."""
    results = _results(scope)
    if not results:
        print("No mutation results: run `make mutation` first.")
        return 1
    if sampled:
        n_scope = len(results)
        results = {name: results[name] for name in sample(list(results))}
        print(
            f"Sampled run: {len(results)} of the {n_scope} mutants in scope "
            f"({SAMPLE_FRACTION:.0%} of each function's, seed {SAMPLE_SEED})."
        )
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


def _mutmut_run(names: list[str]) -> None:
    # mutmut forks a worker per mutant: a BLAS thread pool started before the
    # fork deadlocks the child, so numpy runs single-threaded here.
    env = dict(os.environ, **{name: "1" for name in _THREAD_VARIABLES})
    # The numba kernels stay on, as in any other run: mutmut skips the kernels
    # themselves (decorated functions) and the components' scalar rules the
    # kernels inline (their def lines say `# pragma: no mutate block`: a mutmut
    # trampoline is not code numba can compile), the tests that compare them with the
    # numpy reference (tests/test_kernels.py, tests/test_deepshap_kernel.py)
    # run that reference under _jit.disabled(), and the glue that calls the
    # kernels is mutated and tested like the rest.
    subprocess.run(
        [sys.executable, "-m", "mutmut", "run", *names], check=False, env=env
    )


def _generate() -> None:
    subprocess.run([sys.executable, "-c", _GENERATE], check=True)


def main(argv: list[str]) -> int:
    command, args = (argv[0] if argv else "report"), argv[1:]
    everything = "--all" in args
    globs = [arg for arg in args if arg != "--all"]
    scope = globs or SCOPE
    sampled = not globs and not everything
    if command == "report":
        return report(scope, sampled)
    if command not in ("run", "resume"):
        print(__doc__)
        return 2
    if command == "run" and not sampled:
        _mutmut_run(scope)  # every mutant the globs match, checked again
        return report(scope)
    _generate()
    names = list(_results(scope))
    if sampled:
        names = sample(names)
    if command == "resume":
        status = _results(scope)
        names = [name for name in names if status[name] == "not checked"]
        if not names:
            return report(scope, sampled)
    _mutmut_run(names)
    return report(scope, sampled)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
