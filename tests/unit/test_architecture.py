"""The import contracts in pyproject.toml name modules one by one; this holds them complete: every module
of a domain package is its HTTP side, its pure rules, or one of the modules the no-Litestar contract
lists. A module added later is refused here until it is placed on one side of that line."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_PACKAGES = ("accounts", "inventory", "booking", "payments", "access", "notifications")
HTTP_SIDE = ("controllers", "schemas", "views", "guards", "tokens")


def _contract(name_start: str) -> dict[str, list[str]]:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"].startswith(name_start))


def _modules(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] != "__init__":
            found.append(".".join(parts))
    return found


def test_every_module_of_a_domain_package_is_on_one_side_of_the_http_line() -> None:
    listed = set(_contract("Services, repositories and models")["source_modules"])
    pure = _contract("Domain rules import")["source_modules"]
    unplaced = [
        module
        for package in DOMAIN_PACKAGES
        for module in _modules(package)
        if module.rsplit(".", 1)[1] not in HTTP_SIDE
        and not any(module == rules or module.startswith(rules + ".") for rules in pure)
        and module not in listed
    ]
    assert not unplaced, f"place these in the import contracts of pyproject.toml: {unplaced}"


def test_every_module_the_contracts_name_exists() -> None:
    named = [
        *_contract("Services, repositories and models")["source_modules"],
        *_contract("Domain rules import")["source_modules"],
    ]
    existing = {m for p in DOMAIN_PACKAGES for m in _modules(p)}
    missing = [m for m in named if m not in existing and not (ROOT / m.replace(".", "/")).is_dir()]
    assert not missing, f"the contracts name modules that no longer exist: {missing}"
