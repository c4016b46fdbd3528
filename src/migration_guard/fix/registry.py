"""Every recipe, listed once; ``recipe_for(rule)`` is how the rest of the tool asks."""

from __future__ import annotations

from migration_guard.fix import (
    concurrent_index,
    enum_add_value,
    not_valid,
    set_not_null,
    timeouts,
    using_index,
)
from migration_guard.fix.recipe import Recipe

RECIPES: tuple[Recipe, ...] = (
    concurrent_index.RECIPE,
    not_valid.RECIPE,
    set_not_null.RECIPE,
    using_index.RECIPE,
    timeouts.LOCK_RECIPE,
    timeouts.STATEMENT_RECIPE,
    enum_add_value.RECIPE,
)


def recipe_for(rule: str) -> Recipe | None:
    return next((recipe for recipe in RECIPES if rule in recipe.rules), None)


def fixable_rules() -> frozenset[str]:
    return frozenset(rule for recipe in RECIPES for rule in recipe.rules)
