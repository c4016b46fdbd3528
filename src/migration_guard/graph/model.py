"""The revision graph built from statically read revision files: heads, bases, and its problems."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from migration_guard.findings import Problem
from migration_guard.graph.revision_file import RevisionFile

_ParentsOf = Callable[[str], tuple[str, ...]]
_Step = Callable[[str], Iterable[str]]


@dataclass
class RevisionGraph:
    """Alembic's revision map, computed from literals: ``down_revision`` edges, ``depends_on`` extra."""

    revisions: dict[str, RevisionFile]
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def build(
        cls, files: Iterable[RevisionFile], parse_problems: Iterable[Problem] = ()
    ) -> RevisionGraph:
        graph = cls(revisions={}, problems=list(parse_problems))
        for revision_file in files:
            earlier = graph.revisions.get(revision_file.revision)
            if earlier is not None:
                graph.problems.append(
                    Problem(
                        code="duplicate-revision",
                        message=(
                            f"revision {revision_file.revision} is declared twice: "
                            f"{earlier.path} and {revision_file.path}"
                        ),
                        revisions=(revision_file.revision,),
                        path=revision_file.path,
                        line=revision_file.line,
                    )
                )
            graph.revisions[revision_file.revision] = revision_file
        graph.problems.extend(graph._duplicate_labels())
        graph.problems.extend(graph._missing_parents())
        graph.problems.extend(graph._cycles())
        return graph

    @cached_property
    def heads(self) -> tuple[str, ...]:
        """Revisions no other revision names as its ``down_revision`` (``depends_on`` does not count)."""
        parents = {parent for rev in self.revisions.values() for parent in rev.down_revisions}
        return tuple(rev for rev in self.revisions if rev not in parents)

    @property
    def bases(self) -> tuple[str, ...]:
        return tuple(rev for rev, file in self.revisions.items() if not file.down_revisions)

    def ancestors_direct(self, revision: str) -> tuple[str, ...]:
        """The revisions ``revision`` names in ``down_revision`` and ``depends_on``."""
        return self._all_parents(revision)

    def dependents(self) -> dict[str, list[str]]:
        """For each revision, the revisions naming it in ``down_revision`` or ``depends_on``."""
        result: dict[str, list[str]] = {rev: [] for rev in self.revisions}
        for rev in self.revisions:
            for parent in dict.fromkeys(self._all_parents(rev)):
                if parent in result:
                    result[parent].append(rev)
        return result

    def ancestors(self, *revisions: str) -> set[str]:
        """Every revision reachable down ``down_revision`` and ``depends_on`` links from any of
        ``revisions``, those themselves excluded (one walk, however many are given)."""
        seen: set[str] = set()
        stack = [parent for revision in revisions for parent in self._all_parents(revision)]
        while stack:
            current = stack.pop()
            if current in seen or current not in self.revisions:
                continue
            seen.add(current)
            stack.extend(self._all_parents(current))
        return seen.difference(revisions)

    def resolve(self, name: str) -> str | None:
        """A revision id, or the revision carrying branch label ``name``."""
        if name in self.revisions:
            return name
        return self._label_owners.get(name)

    @cached_property
    def _label_owners(self) -> dict[str, str]:
        """Branch label → the first revision (in file order) carrying it."""
        owners: dict[str, str] = {}
        for rev, file in self.revisions.items():
            for label in file.branch_labels:
                owners.setdefault(label, rev)
        return owners

    def multiple_heads_problem(
        self, max_heads: int, merge_command: str | None = None
    ) -> Problem | None:
        """More heads than allowed; ``merge_command`` is the merge to suggest (the plain
        ``alembic merge`` by default)."""
        heads = self.heads
        if len(heads) <= max_heads:
            return None
        first = self.revisions[heads[0]]
        merge = merge_command or f'alembic merge -m "merge heads" {" ".join(heads)}'
        return Problem(
            code="multiple-heads",
            message=(
                f"{len(heads)} heads ({', '.join(heads)}), at most {max_heads} allowed: "
                f"merge them with `{merge}`"
            ),
            revisions=heads,
            path=first.path,
            line=first.line,
        )

    def _all_parents(self, revision: str) -> tuple[str, ...]:
        file = self.revisions[revision]
        resolved = tuple(self.resolve(dep) or dep for dep in file.depends_on)
        return file.down_revisions + resolved

    def _duplicate_labels(self) -> list[Problem]:
        """Alembic refuses a branch label used twice, or one that is also a revision id."""
        owner: dict[str, str] = {}
        problems = []
        for rev, file in self.revisions.items():
            for label in file.branch_labels:
                other = owner.get(label) or (label if label in self.revisions else None)
                if other is not None:
                    problems.append(
                        Problem(
                            code="duplicate-revision",
                            message=f"branch label {label} of revision {rev} is already used by {other}",
                            revisions=(rev, other),
                            path=file.path,
                            line=file.line,
                        )
                    )
                owner[label] = rev
        return problems

    def _missing_parents(self) -> list[Problem]:
        problems = []
        for rev, file in self.revisions.items():
            for parent in file.down_revisions:
                if parent not in self.revisions:
                    problems.append(
                        Problem(
                            code="missing-parent",
                            message=f"revision {rev} names down_revision {parent}, which does not exist",
                            revisions=(rev, parent),
                            path=file.path,
                            line=file.down_revision_line,
                        )
                    )
            for dependency in file.depends_on:
                if self.resolve(dependency) is None:
                    problems.append(
                        Problem(
                            code="missing-parent",
                            message=f"revision {rev} depends_on {dependency}, which does not exist",
                            revisions=(rev, dependency),
                            path=file.path,
                            line=file.line,
                        )
                    )
        return problems

    def _cycles(self) -> list[Problem]:
        """Revisions on a loop of ``down_revision``/``depends_on`` links, plus what Alembic's own
        test finds: revisions not both reachable down from a head and up from a base."""
        stuck = _on_loops(self.revisions, self._known_parents)
        if not stuck:
            # without a loop every revision reaches a head and a base: Alembic's test agrees
            return []
        for parents_of in (self._versioned_parents, self._all_parents):
            stuck |= self._unreachable(parents_of)
        ordered = sorted(stuck)
        file = self.revisions[ordered[0]]
        return [
            Problem(
                code="cycle",
                message=f"cycle in the revision graph through {', '.join(ordered)}",
                revisions=tuple(ordered),
                path=file.path,
                line=file.down_revision_line,
            )
        ]

    def _known_parents(self, revision: str) -> list[str]:
        return [parent for parent in self._all_parents(revision) if parent in self.revisions]

    def _versioned_parents(self, revision: str) -> tuple[str, ...]:
        return self.revisions[revision].down_revisions

    def _unreachable(self, parents_of: _ParentsOf) -> set[str]:
        known = set(self.revisions)
        children: dict[str, set[str]] = {rev: set() for rev in known}
        for rev in known:
            for parent in parents_of(rev):
                if parent in children:
                    children[parent].add(rev)
        heads = [rev for rev in known if not children[rev]]
        bases = [rev for rev in known if not any(p in known for p in parents_of(rev))]
        down = _reach(heads, lambda rev: [p for p in parents_of(rev) if p in known])
        up = _reach(bases, lambda rev: children[rev])
        return known - (down & up)


def _reach(starts: Iterable[str], step: _Step) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(step(current))
    return seen


def _on_loops(nodes: Iterable[str], parents_of: _Step) -> set[str]:
    """Every node on a directed loop, found by an iterative depth-first search (no recursion
    limit on long linear histories)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    looped: set[str] = set()
    for start in nodes:
        if start in state:
            continue
        path: list[str] = [start]
        iterators = [iter(parents_of(start))]
        state[start] = 1
        while iterators:
            step = next(iterators[-1], None)
            if step is None:
                state[path.pop()] = 2
                iterators.pop()
            elif state.get(step) == 1:
                looped.update(path[path.index(step) :])
            elif step not in state:
                state[step] = 1
                path.append(step)
                iterators.append(iter(parents_of(step)))
    return looped
