"""The component in wasmtime: compiled once per process, a fresh store per call.

The engine, the compiled component, the linker (WASI 0.2 and ``wasi:http``)
and the exports' indices are made on first use and shared by every
:class:`~pinterest_connector.Connector` of the process, across threads. Each
call gets a new store and instance, so nothing survives from one call to the
next (the component is stateless by design); a paginated walk keeps one store
for its pages.

wasmtime's Python binding passes WIT values dynamically: records are
``Record`` objects with kebab-case attributes, enums are strings, options are
the value or ``None``, and a variant is a ``Variant(tag, payload)`` only when
two of its cases could not otherwise be told apart by Python type (it is
*tagged*); an untagged variant is its payload itself. ``_unwrap`` reads a
``result`` either way from the function's type.
"""

from __future__ import annotations

import os
import threading
from importlib import resources
from typing import Any, Dict, Optional, Set, Tuple, Union

import wasmtime
from wasmtime import Config, Engine, Store, WasiConfig
from wasmtime.component import Component, ExportIndex, Func, Instance, Linker, Record, Variant

from .errors import ComponentError

PACKAGE = "pinterest:connector@0.1.0"
"""The WIT package the component exports its interfaces from."""

WASM_FILE = "pinterest_connector.wasm"
"""The component's file name inside this package."""

WASM_ENV = "PINTEREST_CONNECTOR_WASM"
"""An environment variable naming another build of the component to load."""


def record(**fields: Any) -> Record:
    """A WIT record: each keyword a field, ``snake_case`` as ``kebab-case``."""
    value = Record()
    for name, field in fields.items():
        setattr(value, name.replace("_", "-"), field)
    return value


def field(value: Any, name: str) -> Any:
    """A WIT record's field by its ``snake_case`` name."""
    return getattr(value, name.replace("_", "-"))


class Runtime:
    """The engine, the compiled component and its linker."""

    def __init__(self, wasm: bytes, compile_cache: Union[bool, str] = False) -> None:
        config = Config()
        if compile_cache:
            # wasmtime's own cache: the compiled code on disk, keyed by the
            # component and the engine's settings, checked when loaded.
            config.cache = compile_cache
        self.engine = Engine(config)
        self.component = Component(self.engine, wasm)
        self.linker = Linker(self.engine)
        self.linker.add_wasip2()
        self.linker.add_wasi_http()
        self._indices: Dict[Tuple[str, str], ExportIndex] = {}
        self._indices_lock = threading.Lock()
        self._results: Dict[Tuple[str, str], "ResultShape"] = {}

    def export(self, interface: str, name: str) -> ExportIndex:
        """The index of function ``name`` of ``interface``, looked up once."""
        key = (interface, name)
        with self._indices_lock:
            index = self._indices.get(key)
            if index is None:
                parent = self.component.get_export_index(f"pinterest:connector/{interface}@0.1.0")
                if parent is None:
                    raise ComponentError(f"the component exports no {interface} interface")
                index = self.component.get_export_index(name, parent)
                if index is None:
                    raise ComponentError(f"the component's {interface} has no {name}")
                self._indices[key] = index
            return index

    def result_shape(self, interface: str, name: str, func: Func, store: Store) -> "ResultShape":
        """How the ``result`` of ``interface.name`` comes back, worked out
        from its type once (doing it per call costs a quarter of a small
        call's time in the binding's type walks)."""
        key = (interface, name)
        with self._indices_lock:
            shape = self._results.get(key)
        if shape is None:
            shape = ResultShape(func.type(store).result)
            with self._indices_lock:
                self._results[key] = shape
        return shape

    def instantiate(self) -> "Call":
        """A fresh store with a fresh instance: what one call runs in."""
        store = Store(self.engine)
        store.set_wasi(WasiConfig())
        store.set_wasi_http()
        try:
            instance = self.linker.instantiate(store, self.component)
        except wasmtime.WasmtimeError as error:
            raise ComponentError(f"the component could not be instantiated: {error}") from None
        return Call(self, store, instance)


class Call:
    """One store and instance: a call, or a paginated walk's pages."""

    def __init__(self, runtime: Runtime, store: Store, instance: Instance) -> None:
        self.runtime = runtime
        self.store = store
        self.instance = instance

    def func(self, interface: str, name: str) -> Func:
        """The exported function ``name`` of ``interface``."""
        func = self.instance.get_func(self.store, self.runtime.export(interface, name))
        if func is None:
            raise ComponentError(f"{interface}.{name} is not a function")
        return func

    def invoke(self, interface: str, name: str, *args: Any) -> Tuple[bool, Any]:
        """Calls ``interface.name`` (a function returning a ``result``):
        ``(True, ok)`` or ``(False, err)``. A trap is a
        :class:`ComponentError`."""
        func = self.func(interface, name)
        try:
            value = func(self.store, *args)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
            raise ComponentError(f"{interface}.{name} failed in the component: {error}") from None
        return self.runtime.result_shape(interface, name, func, self.store).unwrap(value)

    def drop(self, resource: Any) -> None:
        """Drops a resource the component handed over."""
        try:
            resource.drop(self.store)
        except (wasmtime.WasmtimeError, wasmtime.Trap):
            pass


def _classes(value_type: Any) -> Set[type]:
    classes: Set[type] = set()
    if value_type is None:
        classes.add(object)
    else:
        value_type.add_classes(classes)
    return classes


class ResultShape:
    """A WIT ``result`` type as wasmtime's binding lifts it: tagged (a
    ``Variant('ok' | 'err', payload)``) when the two cases share a Python
    type, else the payload itself, told apart by the error's types."""

    def __init__(self, result_type: Any) -> None:
        ok_classes = _classes(result_type.ok)
        self.err_classes = tuple(_classes(result_type.err))
        self.tagged = bool(ok_classes & set(self.err_classes))

    def unwrap(self, value: Any) -> Tuple[bool, Any]:
        """``(True, ok)`` or ``(False, err)``."""
        if self.tagged:
            if not isinstance(value, Variant):
                raise ComponentError(f"expected a tagged result, got {type(value).__name__}")
            return value.tag == "ok", value.payload
        return not isinstance(value, self.err_classes), value


_RUNTIME: Optional[Runtime] = None
_RUNTIME_LOCK = threading.Lock()
_COMPILE_CACHE: Union[bool, str] = False


def configure(*, compile_cache: Union[bool, str] = False) -> None:
    """Settings of the process's runtime, before its first call.

    ``compile_cache=True`` keeps the compiled component in wasmtime's cache
    (its default location, under the user's cache directory) so that the
    next process starts without compiling it again; a string names a
    wasmtime cache configuration file instead. Raises ``RuntimeError`` once
    the runtime exists.
    """
    global _COMPILE_CACHE
    with _RUNTIME_LOCK:
        if _RUNTIME is not None:
            raise RuntimeError("configure() must come before the first call")
        _COMPILE_CACHE = compile_cache


def runtime() -> Runtime:
    """The process's runtime, made on first use from the packaged component
    (or the file ``PINTEREST_CONNECTOR_WASM`` names)."""
    global _RUNTIME
    with _RUNTIME_LOCK:
        if _RUNTIME is None:
            _RUNTIME = Runtime(_component_bytes(), _COMPILE_CACHE)
        return _RUNTIME


def _component_bytes() -> bytes:
    override = os.environ.get(WASM_ENV)
    if override:
        with open(override, "rb") as file:
            return file.read()
    packaged = resources.files(__package__).joinpath(WASM_FILE)
    if not packaged.is_file():
        raise ComponentError(
            f"{WASM_FILE} is missing from the package (a source checkout: build the wheel, "
            f"or set {WASM_ENV} to a built component)"
        )
    return packaged.read_bytes()
