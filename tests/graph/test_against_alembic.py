"""Property test: our static graph agrees with Alembic's own ``ScriptDirectory`` on random histories."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.script.revision import (
    CycleDetected,
    DependencyCycleDetected,
    LoopDetected,
    RevisionError,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.graph.helpers import read_graph, write_revision


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, object]]:
    """Linear runs, branches, merges of 2-3 parents, labels and depends_on; sometimes broken."""
    count = draw(st.integers(min_value=1, max_value=14))
    ids = [f"r{index:02d}x" for index in range(count)]
    revisions: list[dict[str, object]] = []
    for index, rev in enumerate(ids):
        earlier = ids[:index]
        kind = draw(st.sampled_from(["linear", "linear", "linear", "branch", "merge", "base"]))
        if kind == "merge" and len(earlier) < 2:
            kind = "linear"
        if not earlier or kind == "base":
            down: object = None
        elif kind == "linear":
            down = earlier[-1]
        elif kind == "branch":
            down = draw(st.sampled_from(earlier))
        else:
            parents = draw(
                st.lists(
                    st.sampled_from(earlier), min_size=2, max_size=min(3, len(earlier)), unique=True
                )
            )
            down = tuple(parents) if len(parents) > 1 else parents[0]
        labels = f"label{index}" if draw(st.integers(0, 6)) == 0 else None
        depends = None
        if earlier and draw(st.integers(0, 5)) == 0:
            depends = draw(st.sampled_from(earlier))
        revisions.append({"revision": rev, "down": down, "labels": labels, "depends_on": depends})
    breakage = draw(st.sampled_from(["none"] * 6 + ["missing", "duplicate", "cycle"]))
    if breakage == "missing":
        revisions[-1]["down"] = "nowhere"
    elif breakage == "duplicate" and count > 1:
        revisions.append(dict(revisions[0], down=revisions[0]["down"]))
    elif breakage == "cycle" and count > 2:
        # point an early revision at a later one
        revisions[1]["down"] = ids[-1]
    return revisions


def _write_history(folder: Path, history: list[dict[str, object]]) -> Path:
    """The drawn history as revision files (every other one in the annotated form)."""
    versions = folder / "versions"
    for index, entry in enumerate(history):
        write_revision(
            versions,
            f"{index:03d}_{entry['revision']}.py",
            entry["revision"],
            entry["down"],
            labels=entry["labels"],
            depends_on=entry["depends_on"],
            annotated=index % 2 == 0,
        )
    return versions


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_heads_bases_and_problems_match_alembic(history: list[dict[str, object]]) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        versions = _write_history(folder, history)
        ours = read_graph(versions)
        our_codes = {problem.code for problem in ours.problems}

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                script = ScriptDirectory(str(folder))
                heads = set(script.get_heads())
                bases = set(script.get_bases())
                failure = None
            except (CycleDetected, DependencyCycleDetected, LoopDetected) as error:
                failure = "cycle"
                del error
            except KeyError:
                failure = "missing-parent"
            except RevisionError as error:
                assert "already used" in str(error)
                failure = "duplicate-revision"
        duplicated = any("present more than once" in str(w.message) for w in caught)

        assert ("duplicate-revision" in our_codes) == duplicated
        if failure is not None:
            assert failure in our_codes
        elif not duplicated:
            # Alembic accepted it: the only thing we may add is a loop it cannot see, and it must
            # be a real one
            assert our_codes <= {"cycle"}
            if our_codes:
                (cycle,) = ours.problems
                assert any(_reaches_itself(history, rev) for rev in cycle.revisions)
        elif not our_codes:
            # with a duplicate, Alembic keeps the shadowed file as a phantom head; with a loop it
            # cannot see, it walks forever: only a sound history has heads to agree on
            assert set(ours.heads) == heads
            assert set(ours.bases) == bases
    finally:
        shutil.rmtree(folder)


def _reaches_itself(history: list[dict[str, object]], start: str) -> bool:
    parents: dict[str, set[str]] = {}
    for entry in history:
        down = entry["down"]
        linked = {down} if isinstance(down, str) else set(down or ())  # type: ignore[arg-type]
        if isinstance(entry["depends_on"], str):
            linked.add(entry["depends_on"])
        parents.setdefault(str(entry["revision"]), set()).update(linked)
    stack, seen = list(parents.get(start, ())), set()
    while stack:
        current = stack.pop()
        if current == start:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(parents.get(current, ()))
    return False


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.data())
def test_ancestors_of_several_revisions_match_alembic(
    history: list[dict[str, object]], data: st.DataObject
) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        versions = _write_history(folder, history)
        ours = read_graph(versions)
        assume(not ours.problems)
        chosen = data.draw(
            st.lists(st.sampled_from(sorted(ours.revisions)), min_size=1, max_size=4, unique=True)
        )
        revision_map = ScriptDirectory(str(folder)).revision_map
        nodes = revision_map._get_ancestor_nodes(
            [revision_map.get_revision(rev) for rev in chosen], include_dependencies=True
        )
        assert ours.ancestors(*chosen) == {node.revision for node in nodes} - set(chosen)
    finally:
        shutil.rmtree(folder)
