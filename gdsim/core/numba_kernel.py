"""The compiled simulation loop: numba functions that ``gdsim.core.kernel`` loads on demand.

Importing this module imports numba (~0.7 s) and defines the functions with ``cache=True``, so
only ``gdsim.core.kernel`` imports it, in a background thread, after pointing numba's cache at
the user's cache directory. Every function is generic: the surface arrives as a straight-line
register program (``gdsim.core.kernel.Program``) and the optimizer as a code with its
hyper-parameters, so one compilation, cached on disk, serves every surface and every typed
formula (a kernel specialised per formula would compile for ~0.5 s each time one is typed).

Loop order: runs are independent, so they are taken in chunks of ``CHUNK`` whose registers
stay in the L1 cache, and each chunk runs all its steps; each instruction of the program then
loops over the chunk's runs, which spreads its dispatch over them. Every update rule repeats
``gdsim.core.optimizers``' numpy rule operation for operation (the same products and sums in the
same order, no fast-math), so a step equals the numpy path's to a few units in the last place.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

CHUNK = 64
"""Runs per chunk: 64 runs x ~30 registers x 8 bytes sit in a 32 KiB L1 data cache."""

# Instruction codes of the register program (gdsim.core.kernel.OPCODES names them).
ADD, MUL, DIV, POW, SQUARE, NEG = 0, 1, 2, 3, 4, 5
SIN, COS, TAN, EXP, LOG, SQRT, ABS, TANH = 6, 7, 8, 9, 10, 11, 12, 13
SIGMOID, SOFTPLUS, STEP, SIGN, MAX, MIN = 14, 15, 16, 17, 18, 19

# Optimizer codes (gdsim.core.kernel.OPTIMIZER_CODES maps the registry's names to them).
SGD, ADAGRAD, RMSPROP, ADAM = 0, 1, 2, 3

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


@njit(**_JIT)
def _sigmoid(u: float) -> float:
    """scipy.special.expit's formula for float64."""
    if u < 0.0:
        e = math.exp(u)
        return e / (1.0 + e)
    return 1.0 / (1.0 + math.exp(-u))


@njit(**_JIT)
def _softplus(u: float) -> float:
    """numpy.logaddexp(0, u), branch for branch."""
    if u == 0.0:
        return math.log(2.0)
    if u > 0.0:
        return u + math.log1p(math.exp(-u))
    if u <= 0.0:
        return math.log1p(math.exp(u))
    return u


@njit(**_JIT)
def _evaluate(code: np.ndarray, regs: np.ndarray, n: int) -> None:
    """Run the register program on the first ``n`` columns of ``regs`` (inputs and constants
    are already in place; every instruction writes a fresh register)."""
    for i in range(code.shape[0]):
        op, dst, a, b = code[i, 0], code[i, 1], code[i, 2], code[i, 3]
        out, x, y = regs[dst], regs[a], regs[b]
        if op == ADD:
            for k in range(n):
                out[k] = x[k] + y[k]
        elif op == MUL:
            for k in range(n):
                out[k] = x[k] * y[k]
        elif op == DIV:
            for k in range(n):
                out[k] = x[k] / y[k]
        elif op == POW:
            for k in range(n):
                out[k] = x[k] ** y[k]
        elif op == SQUARE:
            for k in range(n):
                out[k] = x[k] * x[k]
        elif op == NEG:
            for k in range(n):
                out[k] = -x[k]
        elif op == SIN:
            for k in range(n):
                out[k] = math.sin(x[k])
        elif op == COS:
            for k in range(n):
                out[k] = math.cos(x[k])
        elif op == TAN:
            for k in range(n):
                out[k] = math.tan(x[k])
        elif op == EXP:
            for k in range(n):
                out[k] = math.exp(x[k])
        elif op == LOG:
            for k in range(n):
                out[k] = np.log(x[k])
        elif op == SQRT:
            for k in range(n):
                out[k] = np.sqrt(x[k])
        elif op == ABS:
            for k in range(n):
                out[k] = abs(x[k])
        elif op == TANH:
            for k in range(n):
                out[k] = math.tanh(x[k])
        elif op == SIGMOID:
            for k in range(n):
                out[k] = _sigmoid(x[k])
        elif op == SOFTPLUS:
            for k in range(n):
                out[k] = _softplus(x[k])
        elif op == STEP:
            for k in range(n):
                v = x[k]
                out[k] = 0.0 if v < 0.0 else 1.0 if v > 0.0 else 0.5 if v == 0.0 else v
        elif op == SIGN:
            for k in range(n):
                out[k] = np.sign(x[k])
        elif op == MAX:
            for k in range(n):
                v, w = x[k], y[k]
                out[k] = v if v != v or v >= w else w
        else:  # MIN
            for k in range(n):
                v, w = x[k], y[k]
                out[k] = v if v != v or v <= w else w


@njit(**_JIT)
def _update(
    rule: int,
    hyper: np.ndarray,
    count: int,
    params: np.ndarray,
    grad: np.ndarray,
    lr: np.ndarray,
    state: np.ndarray,
    n: int,
) -> None:
    """One step of the update rule ``rule`` (count = 1 on the first step) on ``n`` runs.

    ``hyper`` holds, per rule: SGD (momentum, dampening, nesterov); Adagrad (lr_decay,
    initial accumulator, eps); RMSprop (alpha, eps, momentum, centered); Adam (beta1, beta2,
    eps, amsgrad). ``state`` (3, D, n) holds the rule's buffers, zero at the start."""
    dim = params.shape[0]
    if rule == SGD:
        momentum, dampening, nesterov = hyper[0], hyper[1], hyper[2] == 1.0
        buffer = state[0]
        for d in range(dim):
            for k in range(n):
                g = grad[d, k]
                if momentum != 0.0:
                    if count == 1:
                        buffer[d, k] = g
                    else:
                        buffer[d, k] = buffer[d, k] * momentum + (1.0 - dampening) * g
                    g = g + momentum * buffer[d, k] if nesterov else buffer[d, k]
                params[d, k] -= lr[k] * g
    elif rule == ADAGRAD:
        lr_decay, eps = hyper[0], hyper[2]
        total = state[0]
        if count == 1:
            total[:, :n] = hyper[1]
        for d in range(dim):
            for k in range(n):
                g = grad[d, k]
                total[d, k] += g * g
                decayed = lr[k] / (1.0 + (count - 1) * lr_decay)
                params[d, k] -= decayed * (g / (np.sqrt(total[d, k]) + eps))
    elif rule == RMSPROP:
        alpha, eps, momentum, centered = hyper[0], hyper[1], hyper[2], hyper[3] == 1.0
        square_avg, grad_avg, buffer = state[0], state[1], state[2]
        for d in range(dim):
            for k in range(n):
                g = grad[d, k]
                square_avg[d, k] = square_avg[d, k] * alpha + (1.0 - alpha) * (g * g)
                if centered:
                    grad_avg[d, k] += (1.0 - alpha) * (g - grad_avg[d, k])
                    avg = np.sqrt(square_avg[d, k] - grad_avg[d, k] * grad_avg[d, k]) + eps
                else:
                    avg = np.sqrt(square_avg[d, k]) + eps
                if momentum > 0.0:
                    buffer[d, k] = buffer[d, k] * momentum + g / avg
                    params[d, k] -= lr[k] * buffer[d, k]
                else:
                    params[d, k] -= lr[k] * (g / avg)
    else:  # ADAM
        beta1, beta2, eps, amsgrad = hyper[0], hyper[1], hyper[2], hyper[3] == 1.0
        exp_avg, exp_avg_sq, max_sq = state[0], state[1], state[2]
        correction1 = 1.0 - math.pow(beta1, float(count))
        correction2_root = math.pow(1.0 - math.pow(beta2, float(count)), 0.5)
        for d in range(dim):
            for k in range(n):
                g = grad[d, k]
                exp_avg[d, k] += (1.0 - beta1) * (g - exp_avg[d, k])
                exp_avg_sq[d, k] = exp_avg_sq[d, k] * beta2 + (1.0 - beta2) * (g * g)
                second = exp_avg_sq[d, k]
                if amsgrad:
                    old = max_sq[d, k]
                    second = old if old != old or old >= second else second
                    max_sq[d, k] = second
                denom = np.sqrt(second) / correction2_root + eps
                params[d, k] -= (lr[k] / correction1) * (exp_avg[d, k] / denom)


@njit(**_JIT)
def _load_chunk(
    program: np.ndarray, constants: np.ndarray, n_regs: int, dim: int, n: int
) -> np.ndarray:
    """A register file for ``n`` runs with the program's constants filled in."""
    regs = np.empty((n_regs, n))
    for j in range(constants.shape[0]):
        regs[dim + j, :] = constants[j]
    return regs


@njit(**_JIT)
def _program_at(
    program: np.ndarray,
    outputs: np.ndarray,
    regs: np.ndarray,
    params: np.ndarray,
    result: np.ndarray,
    n: int,
) -> None:
    """The program's outputs at ``params`` (D, n) into ``result`` (len(outputs), n)."""
    for d in range(params.shape[0]):
        for k in range(n):
            regs[d, k] = params[d, k]
    _evaluate(program, regs, n)
    for i in range(outputs.shape[0]):
        for k in range(n):
            result[i, k] = regs[outputs[i], k]


@njit(**_JIT)
def history(
    program: np.ndarray,
    constants: np.ndarray,
    outputs: np.ndarray,
    n_regs: int,
    rule: int,
    hyper: np.ndarray,
    start: np.ndarray,
    lr: np.ndarray,
    noise: np.ndarray,
    lows: np.ndarray,
    highs: np.ndarray,
    columns: np.ndarray,
    points: np.ndarray,
    grads: np.ndarray,
    losses: np.ndarray,
    stopped_at: np.ndarray,
    causes: np.ndarray,
) -> None:
    """``simulate``'s loop for one batch, written straight into its result: run j of the batch
    is run ``columns[j]`` of ``points``/``grads`` (K, N+1, D) and ``losses`` (K, N+1). The
    program's outputs are the loss, then the gradient. A run stops at its first iterate with
    a non-finite coordinate or loss (cause 1) or outside the bounds (cause 2); from there on its
    entries are NaN. ``noise`` is (N, D, K_batch), or (0, D, K_batch) for none."""
    steps = points.shape[1] - 1
    dim, count = start.shape
    noisy = noise.shape[0] > 0
    for first in range(0, count, CHUNK):
        n = min(CHUNK, count - first)
        regs = _load_chunk(program, constants, n_regs, dim, n)
        params = start[:, first : first + n].copy()
        rates = lr[first : first + n].copy()
        value = np.empty((dim + 1, n))
        grad = value[1:]
        seen = np.empty((dim, n))
        state = np.zeros((3, dim, n))
        alive = np.ones(n, dtype=np.bool_)
        for t in range(steps + 1):
            _program_at(program, outputs, regs, params, value, n)
            for k in range(n):
                run = columns[first + k]
                if alive[k]:
                    finite = value[0, k] - value[0, k] == 0.0
                    inside = True
                    for d in range(dim):
                        p = params[d, k]
                        finite = finite and p - p == 0.0
                        inside = inside and lows[d] <= p <= highs[d]
                    if finite and inside:
                        losses[run, t] = value[0, k]
                        for d in range(dim):
                            points[run, t, d] = params[d, k]
                            grads[run, t, d] = grad[d, k]
                        continue
                    alive[k] = False
                    stopped_at[run] = t
                    causes[run] = 2 if finite else 1
                losses[run, t] = np.nan
                for d in range(dim):
                    points[run, t, d] = np.nan
                    grads[run, t, d] = np.nan
            if t == steps:
                break
            if noisy:
                for d in range(dim):
                    for k in range(n):
                        seen[d, k] = grad[d, k] + noise[t, d, first + k]
                _update(rule, hyper, t + 1, params, seen, rates, state, n)
            else:
                _update(rule, hyper, t + 1, params, grad, rates, state, n)


@njit(**_JIT)
def final(
    program: np.ndarray,
    constants: np.ndarray,
    outputs: np.ndarray,
    n_regs: int,
    rule: int,
    hyper: np.ndarray,
    start: np.ndarray,
    lr: np.ndarray,
    steps: int,
    lows: np.ndarray,
    highs: np.ndarray,
    tolerance: float,
    ends: np.ndarray,
    stopped_at: np.ndarray,
    settled_at: np.ndarray,
) -> None:
    """``final_states``' loop: the same iterates as ``history`` without keeping them; after
    each step the bounds check and the settling anchor of ``final_states``."""
    dim, count = start.shape
    limit = tolerance * tolerance
    for first in range(0, count, CHUNK):
        n = min(CHUNK, count - first)
        regs = _load_chunk(program, constants, n_regs, dim, n)
        params = start[:, first : first + n].copy()
        anchor = params.copy()
        rates = lr[first : first + n].copy()
        grad = np.empty((dim, n))
        state = np.zeros((3, dim, n))
        for t in range(steps + 1):
            if t > 0:
                _program_at(program, outputs, regs, params, grad, n)
                _update(rule, hyper, t, params, grad, rates, state, n)
            for k in range(n):
                inside = True
                gap = 0.0
                for d in range(dim):
                    p = params[d, k]
                    if not (lows[d] <= p <= highs[d]):
                        inside = False
                    step = p - anchor[d, k]
                    gap += step * step
                if not inside and stopped_at[first + k] < 0:
                    stopped_at[first + k] = t
                if gap > limit:
                    for d in range(dim):
                        anchor[d, k] = params[d, k]
                    settled_at[first + k] = t
        for d in range(dim):
            for k in range(n):
                ends[d, first + k] = params[d, k]
