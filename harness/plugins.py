"""Plug-ins: users' own modules, named in a config's `plugins:`, imported before kinds, strategies and families
are checked, so the scorer families, generator kinds and strategies they register are known to the run.

`load_config` / `config_from_dict` are the loading step the CLI and the runner call: import the plug-ins a
config names, then validate it (validation itself never imports anything)."""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping

from harness.config import ExperimentConfig, parse_config_text, read_config_text
from harness.core.errors import HarnessError
from harness.core.sourcelines import yaml_line


def load_config(path: str | Path | None = None) -> ExperimentConfig:
    """Read a config file (the embedded default when None), import the plug-ins it names, then validate it."""
    if path is None:
        return ExperimentConfig.default()
    return config_from_text(read_config_text(path), source=str(path))


def config_from_text(text: str, source: str | Path = "<config>") -> ExperimentConfig:
    """Import the plug-ins a YAML config text names, then validate it (source names it in errors)."""
    return config_from_dict(parse_config_text(text, str(source)), source=source, text=text)


def config_from_dict(data: Mapping[str, Any], source: str | Path = "<config>",
                     text: str | None = None) -> ExperimentConfig:
    """Import the plug-ins a config mapping names (a run's recorded config, the Python API's dict), then
    validate it; errors name the file, field and line."""
    plugins = data.get("plugins")
    if isinstance(plugins, list) and plugins:  # anything else is reported by validation
        load_plugins(plugins, source, text)
    return ExperimentConfig.from_dict(data, source=str(source), text=text)


def load_plugins(modules: list[str], source: str | Path = "<config>", text: str | None = None) -> list[ModuleType]:
    """Import each module of `plugins:` (once; a second load is free); errors name plugins[i], the file and line.

    Modules are found as Python finds them (installed packages, PYTHONPATH), then in the current directory and
    in the config file's directory, so a plug-in file beside the config needs no installing.
    """
    _search_beside(source)  # the registries hold the built-in names already: a plug-in reusing one is an error
    importlib.invalidate_caches()  # a module written since the last import in this process is found too
    return [_import(name, i, source, text) for i, name in enumerate(modules)]


def load_run_plugins(manifest: Mapping[str, Any], source: str | Path) -> list[ModuleType]:
    """The plug-ins a run directory's recorded config names (report and compare read their families' scores)."""
    config = manifest.get("config")
    plugins = config.get("plugins") if isinstance(config, Mapping) else None
    if not plugins:
        return []
    if not isinstance(plugins, list):
        raise HarnessError("config.plugins is not a list of module names", path=source, field="config.plugins")
    _search_beside(manifest.get("config_source") or "")  # the run's config file may sit beside its plug-ins
    return load_plugins(plugins, source)


def source_fingerprint(modules: list[str]) -> str:
    """sha256 over the source files of the loaded plug-in packages (for cache keys that must change with their code).

    Every loaded module of each plug-in's top-level package counts, so helpers a plug-in imports are included.
    """
    tops = {m.split(".", 1)[0] for m in modules}
    h = hashlib.sha256()
    for name in sorted(n for n in sys.modules if n.split(".", 1)[0] in tops):
        path = getattr(sys.modules[name], "__file__", None)
        if path and Path(path).is_file():
            h.update(name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return h.hexdigest()


def _search_beside(source: str | Path) -> None:
    """Append the current directory and the config's directory to sys.path (after everything installed)."""
    dirs = [Path.cwd()]
    if source and str(source).endswith((".yaml", ".yml")) and Path(source).is_file():
        dirs.append(Path(source).resolve().parent)
    for d in dirs:
        if str(d) not in sys.path and os.fspath(d) not in sys.path:
            sys.path.append(str(d))


def _import(name: str, index: int, source: str | Path, text: str | None) -> ModuleType:
    """One plug-in module, or a one-line HarnessError saying why it cannot be imported."""
    field = f"plugins[{index}]"
    line = yaml_line(text, ("plugins", index)) if text else None
    if not isinstance(name, str) or not name.strip():
        raise HarnessError(f"plug-in module name {name!r} is not a module path", path=source, field=field, line=line,
                           hint="write a dotted module path such as mypkg.my_scorers")
    try:
        return importlib.import_module(name)
    except HarnessError as exc:  # a registration problem (a name taken twice, bad declaration)
        raise HarnessError(f"plug-in {name!r}: {exc.message}", path=source, field=field, line=line,
                           hint=exc.hint) from None
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise HarnessError(f"plug-in module {name!r} not found", path=source, field=field, line=line,
                               hint="install it, put its directory on PYTHONPATH, or place it beside the config"
                               ) from None
        raise HarnessError(f"plug-in {name!r} failed to import: {_where(exc)}", path=source, field=field,
                           line=line) from None
    except Exception as exc:  # a user's module may raise anything at import time; report it, don't crash
        raise HarnessError(f"plug-in {name!r} failed to import: {_where(exc)}", path=source, field=field,
                           line=line) from None


def _where(exc: BaseException) -> str:
    """`Type: message (file:line)` of the innermost frame of an import error."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    at = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{at}"
