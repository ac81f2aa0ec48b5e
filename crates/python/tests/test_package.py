"""The installed package: type stubs and py.typed shipped beside the code, stubs that match
the runtime signatures, and an abi3 extension module."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import her2sim
from her2sim import _her2sim

PACKAGE = Path(her2sim.__file__).parent


def stub() -> ast.Module:
    path = PACKAGE / "__init__.pyi"
    assert path.exists(), f"{path} is not installed"
    return ast.parse(path.read_text())


def stub_params(fn: ast.FunctionDef) -> list[tuple[str, str | None]]:
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + [ast.unparse(d) for d in a.defaults]
    out = [(p.arg, d) for p, d in zip(positional, defaults)]
    out += [
        (p.arg, None if d is None else ast.unparse(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)
    ]
    return out


def runtime_params(obj: object) -> list[tuple[str, str | None]]:
    sig = inspect.signature(obj)  # type: ignore[arg-type]
    return [
        (p.name, None if p.default is inspect.Parameter.empty else repr(p.default))
        for p in sig.parameters.values()
    ]


def test_py_typed_and_stubs_are_shipped() -> None:
    assert (PACKAGE / "py.typed").exists()
    names = {
        n.name
        for n in stub().body
        if isinstance(n, (ast.FunctionDef, ast.ClassDef))
    }
    assert set(her2sim.__all__) <= names, set(her2sim.__all__) - names


def test_stub_signatures_match_the_code() -> None:
    tree = stub()
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    for name in ("load", "predict", "dose_response", "combo", "study"):
        assert stub_params(functions[name]) == runtime_params(getattr(her2sim, name)), name
    model = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Model")
    methods = {n.name: n for n in model.body if isinstance(n, ast.FunctionDef)}
    for name in ("simulate", "steady_state", "reset", "__getitem__", "__setitem__"):
        assert stub_params(methods[name]) == runtime_params(getattr(her2sim.Model, name)), name
    properties = {
        n.name
        for n in model.body
        if isinstance(n, ast.FunctionDef) and any(ast.unparse(d) == "property" for d in n.decorator_list)
    }
    runtime_properties = {
        k for k, v in vars(her2sim.Model).items() if isinstance(v, property)
    }
    assert properties == runtime_properties


def test_the_extension_is_abi3() -> None:
    assert ".abi3." in Path(_her2sim.__file__).name, _her2sim.__file__
    assert her2sim.Her2simError is _her2sim.Her2simError
    assert her2sim.Her2simError.__module__ == "her2sim"
