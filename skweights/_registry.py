"""One registry helper shared by every building-block module.

A registry maps names (case-insensitive, with aliases) to factories. ``get`` accepts a
name, an instance or a callable; an unknown name raises a ``ValueError`` that lists the
valid names, so a typo is fixed from the message alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def store_params(owner: Any, params: dict[str, Any]) -> None:
    """Store every ``__init__`` argument unchanged (``locals()`` of ``__init__``).

    scikit-learn's contract: ``__init__`` stores its parameters under their own
    names and does nothing else.
    """
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(owner, name, value)


class Component:
    """Base class of building blocks: initializers, penalties, optimizers, schedules...

    Components clone like scikit-learn estimators: ``get_params`` returns the
    constructor arguments (never state), ``set_params`` sets them, so ``clone`` works
    and
    nested parameters such as ``optimizer__momentum`` can be grid-searched. Subclasses
    store every constructor argument unchanged under its own name, as estimators do.
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        signature = inspect.signature(init)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters of this component.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of nested components, as ``name__param``.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update(
                    (f"{name}__{k}", v) for k, v in value.get_params().items()
                )
            params[name] = value
        return params

    def set_params(self, **params: Any) -> Component:
        """Set constructor parameters, with ``name__param`` for nested components.

        Parameters
        ----------
        **params : dict
            Parameter names mapped to their new values.

        Returns
        -------
        self : Component
            This component.
        """
        valid = self._param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}. "
                    f"Valid parameters are: {valid}."
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        args = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._param_names()
        )
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.get_params(deep=False) == other.get_params(deep=False)

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))


class Registry:
    """Names of one kind of building block, resolved to objects.

    Parameters
    ----------
    kind : str
        What the registry holds ("initializer", "optimizer", ...), used in messages.
    entries : dict of str to callable
        Canonical name mapped to a factory; ``factory(**kwargs)`` builds the object.
    aliases : dict of str to str, optional
        Alternative name mapped to a canonical name.
    """

    def __init__(
        self,
        kind: str,
        entries: dict[str, Callable[..., Any]],
        aliases: dict[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self.entries = {name.lower(): factory for name, factory in entries.items()}
        self.aliases = {a.lower(): c.lower() for a, c in (aliases or {}).items()}

    @property
    def names(self) -> list[str]:
        """All valid names, canonical names and aliases, sorted."""
        return sorted({*self.entries, *self.aliases})

    def literals(self, *, aliases: bool = True) -> str:
        """The names as docstring literals: ``"a"``, ``"b"`` (alias ``"c"``), ...

        Canonical names in registration order, each followed by its aliases
        (unless ``aliases=False``): what docstrings and messages list, so that
        a registered component is documented without editing them.
        """
        words = []
        for name in self.entries:
            others = [a for a, c in self.aliases.items() if c == name]
            word = f'``"{name}"``'
            if aliases and others:
                label = "alias" if len(others) == 1 else "aliases"
                quoted = ", ".join(f'``"{a}"``' for a in others)
                word += f" ({label} {quoted})"
            words.append(word)
        return ", ".join(words)

    def document(self, obj: Any) -> Any:
        """Fill ``%(names)s`` in ``obj``'s docstring (:meth:`literals`); return it."""
        obj.__doc__ = obj.__doc__.replace("%(names)s", self.literals())
        return obj

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._canonical(name) in self.entries

    def _canonical(self, name: str) -> str:
        key = name.lower()
        return self.aliases.get(key, key)

    def get(self, identifier: Any, **kwargs: Any) -> Any:
        """Resolve ``identifier`` into an object.

        Parameters
        ----------
        identifier : str, Component subclass, object or callable
            A registered name (case-insensitive) or a :class:`Component` subclass,
            built with ``kwargs``; or an instance or callable, returned unchanged.
        **kwargs : dict
            Passed to the factory when ``identifier`` is a name or a class.

        Returns
        -------
        obj : object
            The resolved object.

        Raises
        ------
        ValueError
            If ``identifier`` is a string that names nothing in this registry, or
            ``None``.
        """
        if isinstance(identifier, str):
            key = self._canonical(identifier)
            if key not in self.entries:
                raise ValueError(
                    f"Unknown {self.kind} {identifier!r}. Valid names are: "
                    f"{', '.join(self.names)}; or pass an instance or a callable."
                )
            return self.entries[key](**kwargs)
        if isinstance(identifier, type) and issubclass(identifier, Component):
            return identifier(**kwargs)
        if identifier is None or isinstance(identifier, (bool, int, float)):
            raise ValueError(
                f"Invalid {self.kind} {identifier!r}: pass one of "
                f"{', '.join(self.names)}, an instance or a callable."
            )
        return identifier
