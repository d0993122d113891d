"""Typed formulas: parsed through a whitelist, never evaluated, compiled to fast numpy code.

A student types ``x^2 + 10*y^2``; we parse it with :func:`ast.parse`, accept only the node
types of a small calculator language, and build a sympy expression from them. Numbers are
float64 from the start and numeric sub-expressions are folded in float64 by us, so ``9**9**9**9``
is ``inf`` at once instead of sympy computing a gigantic exact integer. Gradient and Hessian are
exact (sympy ``diff``) and compiled with ``lambdify``; the gradient is one generated function
returning all components, because the simulator calls it hundreds of times per slider frame.
"""

from __future__ import annotations

import ast
import functools
import keyword
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import sympy
from numpy.typing import ArrayLike
from scipy.special import expit
from sympy.core.function import ArgumentIndexError
from sympy.ntheory.multinomial import multinomial_coefficients_iterator

MAX_LENGTH = 500
# Integer exponents up to this size stay exact (x**2, derivative 2*x); larger ones are floats,
# so sympy never expands or multiplies big integer powers.
MAX_EXACT_POWER = 64
# Nesting depth of the sympy tree; sympy differentiates recursively (see _depth).
MAX_DEPTH = 24
# min/max derivatives grow quadratically with the argument count (one step function per pair).
MAX_MINMAX_ARGS = 8
# Size of the symbolic gradient (tree nodes) above which we refuse the formula: the Hessian is
# roughly (size x dimension x depth) again, and must still build in about a second.
MAX_GRADIENT_SIZE = 1500
CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}
FLOAT = np.dtype(np.float64)


class ExpressionError(ValueError):
    """A typed formula we refuse, with a one-line human message and where it went wrong."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        return f"{self.message} (at column {self.column + 1})"


class Sigmoid(sympy.Function):
    """Logistic function as its own symbol, so its derivative stays sigma*(1-sigma).

    Written out as 1/(1+exp(-u)) the derivative overflows to inf/inf = nan for u << 0.
    (`eval` below is sympy's hook for simplifying a call on a number, not Python's eval.)
    """

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:
        if arg.is_Number:
            return sympy.Float(float(expit(float(arg))))
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return Sigmoid(self.args[0]) * (1 - Sigmoid(self.args[0]))


class Softplus(sympy.Function):
    """log(1 + exp(u)) with a derivative of sigmoid(u) and an overflow-free numeric form."""

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:
        if arg.is_Number:
            return sympy.Float(float(np.logaddexp(0.0, float(arg))))
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return Sigmoid(self.args[0])


class Step(sympy.Function):
    """Heaviside step with step(0) = 1/2, compiled to one numpy ufunc, derivative 0.

    sympy prints its own Heaviside as a slow ``numpy.select``; derivatives of relu, min and max
    produce steps, and this keeps them to a single cheap call.
    """

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero


class Sign(sympy.Function):
    """sign(u) with derivative 0 (the delta at u = 0 is dropped, see _derivative).

    sympy leaves d/dx sign(u) unevaluated when it cannot prove u real (u = x/y: y may be 0),
    and an unevaluated derivative cannot be compiled.
    """

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero


def _softplus_numpy(u: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, u)


def _step_numpy(u: np.ndarray) -> np.ndarray:
    return np.heaviside(u, 0.5)


NUMPY_NAMESPACE: dict[str, Callable[..., Any]] = {
    "Sigmoid": expit,
    "Softplus": _softplus_numpy,
    "Step": _step_numpy,
    "Sign": np.sign,
}


@dataclass(frozen=True)
class _FunctionRule:
    """How one whitelisted function name is built symbolically and folded numerically."""

    symbolic: Callable[..., sympy.Expr]
    numeric: Callable[..., Any]
    min_args: int = 1
    max_args: int = 1


FUNCTIONS: dict[str, _FunctionRule] = {
    "sin": _FunctionRule(symbolic=sympy.sin, numeric=np.sin),
    "cos": _FunctionRule(symbolic=sympy.cos, numeric=np.cos),
    "tan": _FunctionRule(symbolic=sympy.tan, numeric=np.tan),
    "exp": _FunctionRule(symbolic=sympy.exp, numeric=np.exp),
    "log": _FunctionRule(symbolic=sympy.log, numeric=np.log),
    "ln": _FunctionRule(symbolic=sympy.log, numeric=np.log),  # the lectures' spelling of log
    "sqrt": _FunctionRule(symbolic=sympy.sqrt, numeric=np.sqrt),
    "abs": _FunctionRule(symbolic=sympy.Abs, numeric=np.abs),
    "tanh": _FunctionRule(symbolic=sympy.tanh, numeric=np.tanh),
    "sigmoid": _FunctionRule(symbolic=Sigmoid, numeric=expit),
    "relu": _FunctionRule(
        symbolic=lambda u: sympy.Max(sympy.S.Zero, u), numeric=lambda u: np.maximum(0.0, u)
    ),
    "softplus": _FunctionRule(symbolic=Softplus, numeric=_softplus_numpy),
    "min": _FunctionRule(
        symbolic=sympy.Min, numeric=lambda *a: np.min(a), min_args=2, max_args=MAX_MINMAX_ARGS
    ),
    "max": _FunctionRule(
        symbolic=sympy.Max, numeric=lambda *a: np.max(a), min_args=2, max_args=MAX_MINMAX_ARGS
    ),
}

_OPERATOR_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}

_FORBIDDEN_NODES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access ('.') is not allowed",
    ast.Subscript: "indexing with '[...]' is not allowed",
    ast.Lambda: "'lambda' is not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' / 'or' are not allowed",
    ast.IfExp: "'if ... else' is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples (a comma outside a function call) are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dictionaries are not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.NamedExpr: "':=' is not allowed",
    ast.JoinedStr: "text strings are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}

_WORD = re.compile(r"[^\W\d]\w*")
_DETECTED_AT = re.compile(r"\s*\(detected at line \d+\)")


def _as_float(value: Any) -> sympy.Expr:
    """A float64 value as a sympy number (inf -> oo, nan -> nan), never an exact integer."""
    return sympy.Float(float(value))


class _Parser:
    """Walks a Python AST of one expression and builds sympy from whitelisted nodes only."""

    def __init__(self, source: str, variables: Sequence[str], columns: list[int]) -> None:
        self.source = source
        self.symbols = {name: sympy.Symbol(name, real=True) for name in variables}
        self.columns = columns

    def error(self, message: str, node: ast.AST, after: ast.AST | None = None) -> ExpressionError:
        """An error at ``node``, or at the first symbol following ``after`` (an operator, '.')."""
        if after is not None:
            char_offset = self.char_offset(after.end_col_offset)
            while char_offset < len(self.source) and self.source[char_offset] in " )":
                char_offset += 1
        else:
            char_offset = self.char_offset(node.col_offset)
        return ExpressionError(message, self.columns[min(char_offset, len(self.columns) - 1)])

    def char_offset(self, byte_offset: int | None) -> int:
        """ast offsets count UTF-8 bytes; students count characters."""
        return len(self.source.encode()[: byte_offset or 0].decode(errors="ignore"))

    def build(self, node: ast.AST) -> sympy.Expr:
        """The sympy expression of ``node``; one that sympy folded into complex infinity
        (``0**(-1/w)``), which no numeric printer can write, is undefined: nan, as 0/0 is."""
        expr = self.build_node(node)
        return sympy.nan if expr.has(sympy.zoo) else expr

    def build_node(self, node: ast.AST) -> sympy.Expr:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        message = _FORBIDDEN_NODES.get(type(node), f"'{type(node).__name__}' is not allowed")
        raise self.error(message, node, _left_operand(node))

    def constant(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.error(f"'{value}' is not allowed", node)
        if isinstance(value, complex):
            raise self.error("complex numbers are not allowed", node)
        if isinstance(value, str | bytes):
            raise self.error("text strings are not allowed", node)
        try:
            return _as_float(value)
        except OverflowError:
            return sympy.oo

    def name(self, node: ast.Name) -> sympy.Expr:
        if node.id in self.symbols:
            return self.symbols[node.id]
        if node.id in CONSTANTS:
            return _as_float(CONSTANTS[node.id])
        if node.id in FUNCTIONS:
            raise self.error(f"'{node.id}' is a function: write {node.id}(...)", node)
        allowed = ", ".join(self.symbols) or "no variables"
        raise self.error(f"unknown name '{node.id}' (use {allowed})", node)

    def unary(self, node: ast.UnaryOp) -> sympy.Expr:
        operand = self.build(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.USub):
            return _as_float(-float(operand)) if operand.is_Number else -operand
        raise self.error(f"operator '{_OPERATOR_SYMBOLS[type(node.op)]}' is not allowed", node)

    def binary(self, node: ast.BinOp) -> sympy.Expr:
        op = type(node.op)
        if op not in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.BitXor):
            raise self.error(f"operator '{_OPERATOR_SYMBOLS[op]}' is not allowed", node, node.left)
        left, right = self.build(node.left), self.build(node.right)
        if left.is_Number and right.is_Number:
            return _as_float(_fold_binary(op, float(left), float(right)))
        if op is ast.Add:
            return left + right
        if op is ast.Sub:
            return left - right
        if op is ast.Mult:
            return left * right
        if op is ast.Div:
            # Dividing by a literal multiplies by its float reciprocal: 1/0 -> inf like numpy,
            # never sympy's complex infinity.
            if right.is_Number:
                return left * _as_float(_fold_binary(ast.Div, 1.0, float(right)))
            return left / right
        if right.is_Number and float(right).is_integer() and abs(float(right)) <= MAX_EXACT_POWER:
            # x**2 stays x**2 (derivative 2*x, cheap numpy square) instead of x**2.0.
            return left ** sympy.Integer(int(float(right)))
        return left**right

    def call(self, node: ast.Call) -> sympy.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.error("only the listed functions can be called", node)
        rule = FUNCTIONS.get(node.func.id)
        if rule is None:
            known = ", ".join(FUNCTIONS)
            raise self.error(f"unknown function '{node.func.id}' (known: {known})", node)
        if node.keywords:
            raise self.error("keyword arguments are not allowed", node.keywords[0])
        count = len(node.args)
        if not rule.min_args <= count <= rule.max_args:
            wanted = (
                f"{rule.min_args}"
                if rule.max_args == rule.min_args
                else f"{rule.min_args} to {rule.max_args}"
            )
            plural = "argument" if wanted == "1" else "arguments"
            raise self.error(f"{node.func.id}() takes {wanted} {plural}, got {count}", node)
        args = [self.build(arg) for arg in node.args]
        if any(arg is sympy.nan for arg in args):
            return sympy.nan  # numpy propagates nan; sympy's Min/Max refuse to compare it
        if all(arg.is_Number for arg in args):
            with np.errstate(all="ignore"):
                return _as_float(rule.numeric(*(np.float64(float(a)) for a in args)))
        try:
            return rule.symbolic(*args)
        except (ArithmeticError, TypeError, ValueError):
            raise self.not_real(node.func.id, node, args) from None

    def not_real(self, name: str, node: ast.Call, args: Sequence[sympy.Expr]) -> ExpressionError:
        """sympy's Min and Max (hence min, max, relu) refuse an argument that is never a real
        number ("The argument 'log(-w**2 - 1.0)' is not comparable"): say so in words, at
        that argument."""
        for arg_node, arg in zip(node.args, args, strict=True):
            if arg.is_extended_real is False:
                return self.error(
                    f"{name}() compares real numbers, but this argument is never real "
                    "(a log or square root of a negative number?)",
                    arg_node,
                )
        return self.error(f"{name}() cannot be applied to these arguments", node)


def _left_operand(node: ast.AST) -> ast.AST | None:
    """For infix constructs (x.y, x[0], x < 1, x and y) the part before the offending symbol."""
    if isinstance(node, ast.Attribute | ast.Subscript):
        return node.value
    if isinstance(node, ast.Compare):
        return node.left
    if isinstance(node, ast.BoolOp):
        return node.values[0]
    return None


def _fold_binary(op: type[ast.operator], left: float, right: float) -> float:
    """float64 arithmetic with numpy semantics: overflow -> inf, 0/0 -> nan, no exceptions."""
    a, b = np.float64(left), np.float64(right)
    with np.errstate(all="ignore"):
        if op is ast.Add:
            return float(a + b)
        if op is ast.Sub:
            return float(a - b)
        if op is ast.Mult:
            return float(a * b)
        if op is ast.Div:
            return float(np.divide(a, b))
        return float(np.power(a, b))


def _replace_carets(text: str) -> tuple[str, list[int]]:
    """``^`` -> ``**`` (students type it; Python would read XOR with the wrong precedence).

    Returns the rewritten text and, for each of its characters, the column in the original,
    so errors still point at what the student typed.
    """
    rewritten: list[str] = []
    columns: list[int] = []
    for column, char in enumerate(text):
        replacement = "**" if char == "^" else char
        rewritten.append(replacement)
        columns.extend([column] * len(replacement))
    columns.append(len(text))
    return "".join(rewritten), columns


def _syntax_error(text: str, error: SyntaxError, columns: list[int]) -> ExpressionError:
    for match in _WORD.finditer(text):
        if keyword.iskeyword(match.group()):
            return ExpressionError(f"'{match.group()}' is not allowed", columns[match.start()])
    if not error.offset:
        return ExpressionError("incomplete expression: something is missing", columns[-1])
    reason = _DETECTED_AT.sub("", error.msg or "invalid syntax")
    return ExpressionError(f"syntax error: {reason}", columns[min(error.offset - 1, len(text))])


def parse_expression(text: str, variables: Sequence[str]) -> sympy.Expr:
    """Parse a typed formula into a sympy expression over ``variables`` (real symbols).

    Raises :class:`ExpressionError` for anything outside the calculator language.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression too long ({len(text)} characters, at most {MAX_LENGTH})")
    if not text.strip():
        raise ExpressionError("empty expression: type a formula such as w**2")
    if "\n" in text.strip() or "\r" in text.strip():
        raise ExpressionError("write the formula on one line")
    source, columns = _replace_carets(text.strip())
    offset = len(text) - len(text.lstrip())
    columns = [column + offset for column in columns]
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise _syntax_error(source, error, columns) from None
    except (ValueError, MemoryError, RecursionError):
        raise ExpressionError("expression could not be read (too deeply nested?)") from None
    too_deep = ExpressionError(f"expression is nested too deeply (at most {MAX_DEPTH} levels)")
    try:
        expr = _in_words(lambda: _Parser(source, variables, columns).build(tree.body))
    except RecursionError:
        raise too_deep from None
    if _depth(expr) > MAX_DEPTH:
        raise too_deep
    return expr


def syntax_tree(text: str) -> ast.expr:
    """The Python syntax tree of a formula that ``parse_expression`` accepted, as typed (``^``
    read as ``**``): sympy reorders and flattens, so a view that shows the formula's own
    structure (the autograd graph) walks this tree instead."""
    source, _columns = _replace_carets(text.strip())
    return ast.parse(source, mode="eval").body


def names_in(text: str) -> set[str]:
    """The names a formula that ``parse_expression`` accepted writes, as typed: sympy folds
    ``0*x`` to 0, so the expression's free symbols can miss a variable the student used."""
    return {node.id for node in ast.walk(syntax_tree(text)) if isinstance(node, ast.Name)}


def _depth(expr: sympy.Basic) -> int:
    """Nesting depth of the sympy tree (sums and products are flat there), found iteratively.

    sympy differentiates recursively, about a dozen Python frames per level; bounding the depth
    keeps the Hessian of any accepted formula clear of the recursion limit and quick to build.
    """
    deepest, stack = 0, [(expr, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in current.args)
    return deepest


def _diff(expr: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr:
    """``sympy.diff(expr, symbol)``, the same tree, without the bookkeeping sympy wraps around
    every node's rule (half of a typed formula's compile time, measured here).

    sympy's ``Derivative`` answers a node without ``symbol`` with 0 and otherwise returns the
    node's own rule applied to its children's derivatives; around that it asks whether the
    result is zero (a query whose answer only chooses between two ways of returning that same
    result) and rewrites unevaluated derivatives in it (there are none in a tree that every
    rule evaluated). Sums, products, powers and functions differentiated by the chain rule get
    the same rule here, built by the same constructors in the same order; every other node is
    left to sympy, so is a result that still holds an unevaluated derivative.
    """
    result = _diff_node(expr, symbol)
    return sympy.diff(expr, symbol) if result.has(sympy.Derivative) else result


def _diff_node(expr: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr:
    if symbol not in expr.free_symbols:
        return sympy.S.Zero
    if expr == symbol:
        return sympy.S.One
    if isinstance(expr, sympy.Add):
        return expr.func(*[_diff_node(arg, symbol) for arg in expr.args])
    if isinstance(expr, sympy.Mul):
        # Mul._eval_derivative_n_times for one derivative: the Leibniz rule in sympy's order.
        terms = []
        for orders, coefficient in multinomial_coefficients_iterator(len(expr.args), sympy.S.One):
            factors = [
                _diff_node(arg, symbol) if order else arg
                for order, arg in zip(orders, expr.args, strict=True)
            ]
            terms.append(coefficient * sympy.Mul(*factors))
        return sympy.Add(*terms)
    if type(expr)._eval_derivative is sympy.Pow._eval_derivative:
        d_base, d_exp = _diff_node(expr.base, symbol), _diff_node(expr.exp, symbol)
        return expr * (d_exp * sympy.log(expr.base) + d_base * expr.exp / expr.base)
    if isinstance(expr, sympy.Function) and (
        type(expr)._eval_derivative is sympy.Function._eval_derivative
    ):
        terms = []
        for index, arg in enumerate(expr.args, start=1):
            d_arg = _diff_node(arg, symbol)
            if d_arg.is_zero:
                continue
            try:
                outer = expr.fdiff(index)
            except ArgumentIndexError:
                outer = sympy.Function.fdiff(expr, index)
            terms.append(outer * d_arg)
        return sympy.Add(*terms)
    return sympy.diff(expr, symbol)


def _derivative(expr: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr:
    """d expr / d symbol with kinks made harmless: steps and signs get derivative 0.

    A second derivative of relu/abs is a delta, zero everywhere except on a set of measure zero;
    dropping it keeps the Hessian finite and equal to autograd's almost everywhere.
    """
    result = _diff(expr, symbol)
    result = result.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero)
    result = result.replace(lambda e: isinstance(e, sympy.Heaviside), lambda e: Step(e.args[0]))
    result = result.replace(lambda e: isinstance(e, sympy.sign), lambda e: Sign(e.args[0]))
    if result.has(sympy.Derivative):
        raise ExpressionError("this formula cannot be differentiated exactly: please rewrite it")
    return result


def _bare_lambdify(symbols: Sequence[sympy.Symbol], exprs: tuple[sympy.Expr, ...]) -> Callable:
    """numpy code for ``exprs``. No docstring: lambdify would print every expression into it
    (a fifth of its time), and nothing reads it."""
    return sympy.lambdify(
        symbols, exprs, modules=[NUMPY_NAMESPACE, "numpy"], cse=True, docstring_limit=0
    )


def _lambdify(symbols: Sequence[sympy.Symbol], exprs: tuple[sympy.Expr, ...]) -> Callable:
    """numpy code for ``exprs`` that lets overflow and 0/0 become inf/nan without warnings
    (errstate as a decorator costs half of a ``with np.errstate(...)`` block per call)."""
    return np.errstate(all="ignore")(_bare_lambdify(symbols, exprs))


def _tree_size(exprs: Sequence[sympy.Basic], limit: int) -> int:
    """Node count of the expression trees, counting stops just past ``limit``."""
    count, stack = 0, list(exprs)
    while stack and count <= limit:
        count += 1
        stack.extend(stack.pop().args)
    return count


def _as_result(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A float64 array of exactly ``shape``, whether lambdify returned a constant or an array."""
    array = np.asarray(value)
    if np.iscomplexobj(array):
        array = np.where(array.imag == 0, array.real, np.nan)
    return np.array(np.broadcast_to(array.astype(np.float64, copy=False), shape))


class CompiledFunction:
    """A parsed formula with fast numpy value, exact gradient and exact Hessian.

    All three broadcast their coordinate arguments and return float64 arrays of the broadcast
    shape; overflow and invalid operations give inf/nan silently, as a diverging run should.
    """

    def __init__(self, text: str, variables: Sequence[str], expr: sympy.Expr) -> None:
        self.text = text
        self.variables = tuple(variables)
        self.expr = expr
        self.symbols = tuple(sympy.Symbol(name, real=True) for name in self.variables)
        self._value = _lambdify(self.symbols, (expr,))
        self.gradient_exprs = tuple(_derivative(expr, s) for s in self.symbols)
        if _tree_size(self.gradient_exprs, MAX_GRADIENT_SIZE) > MAX_GRADIENT_SIZE:
            raise ExpressionError("formula too complex to differentiate: please simplify it")
        self.bare_gradient = _bare_lambdify(self.symbols, self.gradient_exprs)
        """The gradient's numpy code without ``gradient``'s argument checks and errstate, for
        loops that run inside errstate already (``simulate``'s numpy path)."""
        self._gradient = np.errstate(all="ignore")(self.bare_gradient)

    def __repr__(self) -> str:
        return f"CompiledFunction({self.text!r}, {self.variables})"

    @functools.cached_property
    def hessian_exprs(self) -> tuple[tuple[sympy.Expr, ...], ...]:
        """Exact second derivatives, row i = d(gradient_i)/d(variable_j)."""
        return tuple(
            tuple(_derivative(component, s) for s in self.symbols)
            for component in self.gradient_exprs
        )

    @functools.cached_property
    def _hessian(self) -> Callable:
        flat = tuple(entry for row in self.hessian_exprs for entry in row)
        return _lambdify(self.symbols, flat)

    def _call(self, function: Callable, coords: Sequence[ArrayLike]) -> tuple[Any, ...]:
        if len(coords) != len(self.variables):
            names = ", ".join(self.variables)
            raise TypeError(f"{self.text!r} takes {len(self.variables)} coordinates ({names})")
        arrays = [np.asarray(c, dtype=np.float64) for c in coords]
        shapes = {array.shape for array in arrays}
        shape = shapes.pop() if len(shapes) == 1 else np.broadcast_shapes(*shapes)
        outputs = function(*arrays)
        return tuple(
            [
                output
                if type(output) is np.ndarray and output.shape == shape and output.dtype == FLOAT
                else _as_result(output, shape)
                for output in outputs
            ]
        )

    def value(self, *coords: ArrayLike) -> np.ndarray:
        """f at the given coordinates (one array per variable, broadcast together)."""
        return self._call(self._value, coords)[0]

    def gradient(self, *coords: ArrayLike) -> tuple[np.ndarray, ...]:
        """One array per variable: the partial derivatives, each of the broadcast shape."""
        return self._call(self._gradient, coords)

    def hessian(self, *coords: ArrayLike) -> np.ndarray:
        """Second derivatives, shape ``(*broadcast_shape, D, D)``.

        Built on first use (up to about a second for the largest accepted formulas), since
        most runs never need it.
        """
        entries = self._call(self._hessian, coords)
        dim = len(self.variables)
        return np.stack(entries, axis=-1).reshape((*entries[0].shape, dim, dim))


@functools.lru_cache(maxsize=256)
def _compile_cached(
    text: str, variables: tuple[str, ...], parsed: sympy.Expr | None
) -> CompiledFunction:
    return _in_words(
        lambda: CompiledFunction(
            text, variables, parse_expression(text, variables) if parsed is None else parsed
        )
    )


Result = TypeVar("Result")


def _in_words(work: Callable[[], Result]) -> Result:
    """Run ``work``; a sympy corner we have not met yet (its errors quote sympy's internals)
    still reaches the student as one sentence, an :class:`ExpressionError`."""
    try:
        return work()
    except ExpressionError:
        raise
    except (
        ArithmeticError,
        AttributeError,
        LookupError,
        NotImplementedError,
        TypeError,
        ValueError,
    ) as error:
        raise ExpressionError("this formula could not be handled: please rewrite it") from error


def compile_expression(
    text: str, variables: Sequence[str], parsed: sympy.Expr | None = None
) -> CompiledFunction:
    """Parse and compile a typed formula; cached, so re-selecting a surface is instant.

    ``parsed`` is ``text`` already parsed over variables that include every name it uses (a
    typed formula is parsed once over w, x and y to learn its dimension): the parser looks a
    variable up only where the formula names it, so that tree is the one a second parse over
    ``variables`` would build, and a second parse would only cost time.

    Raises :class:`ExpressionError` with a human message for a formula we do not accept.
    """
    return _compile_cached(text, tuple(variables), parsed)
