"""One test per layout real histories contain and per problem code."""

from __future__ import annotations

from pathlib import Path

from tests.graph.helpers import read_graph, write_revision


def codes(graph):
    return sorted(problem.code for problem in graph.problems)


def test_plain_linear_history(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "001_a.py", "a1", None)
    write_revision(versions, "002_b.py", "b2", "a1")
    graph = read_graph(versions)
    assert graph.heads == ("b2",)
    assert graph.bases == ("a1",)
    assert codes(graph) == []


def test_annotated_assignments(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "x.py", "a1", None, annotated=True)
    write_revision(versions, "y.py", "b2", "a1", annotated=True)
    graph = read_graph(versions)
    assert graph.heads == ("b2",)
    assert graph.revisions["b2"].down_revisions == ("a1",)


def test_merge_of_three_parents_in_a_list(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "base0", None)
    for name in ("p1", "p2", "p3"):
        write_revision(versions, f"{name}.py", name, "base0")
    (versions / "merge.py").write_text(
        'revision = "m"\ndown_revision = [\n    "p1",\n    "p2",\n    "p3",\n]\n'
    )
    graph = read_graph(versions)
    assert graph.heads == ("m",)
    assert graph.revisions["m"].down_revisions == ("p1", "p2", "p3")


def test_multi_line_and_parenthesised_values(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    (versions).mkdir()
    (versions / "a.py").write_text('revision = (\n    "a1"\n)\ndown_revision = (\n    None\n)\n')
    (versions / "b.py").write_text('revision = "b2"\ndown_revision = (\n    "a1",\n)\n')
    graph = read_graph(versions)
    assert graph.heads == ("b2",)
    assert graph.bases == ("a1",)


def test_none_empty_tuple_and_empty_string_are_bases(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (versions / "b.py").write_text('revision = "b"\ndown_revision = ()\n')
    (versions / "c.py").write_text('revision = "c"\ndown_revision = ""\n')
    graph = read_graph(versions)
    assert set(graph.bases) == {"a", "b", "c"}
    assert set(graph.heads) == {"a", "b", "c"}


def test_branch_labels_and_depends_on(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", None, labels=("core",))
    write_revision(versions, "b.py", "b", None, labels="extra")
    write_revision(versions, "c.py", "c", "b", depends_on="core")
    graph = read_graph(versions)
    assert set(graph.heads) == {"a", "c"}
    assert graph.revisions["a"].branch_labels == ("core",)
    assert graph.ancestors("c") == {"a", "b"}
    assert codes(graph) == []


def test_non_literal_branch_labels_still_work(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a.py").write_text(
        'LABEL = "core"\nrevision = "a"\ndown_revision = None\nbranch_labels = (LABEL,)\n'
    )
    graph = read_graph(versions)
    assert graph.heads == ("a",)
    assert not graph.revisions["a"].labels_known
    assert codes(graph) == []


def test_file_names_that_do_not_start_with_the_id(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "2024_01_05_1200-add users table.py", "f00d", None)
    write_revision(versions, "zz-weird.name.v2.py", "beef", "f00d")
    graph = read_graph(versions)
    assert graph.heads == ("beef",)


def test_init_lock_files_and_non_python_files_are_skipped(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", None)
    (versions / "__init__.py").write_text("")
    (versions / ".#a.py").write_text("garbage (")
    (versions / "README.md").write_text("# notes")
    (versions / "a.py.orig").write_text("garbage (")
    (versions / "__pycache__").mkdir()
    (versions / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0\1")
    graph = read_graph(versions)
    assert graph.heads == ("a",)
    assert codes(graph) == []


def test_python_file_without_revision_is_a_parse_error(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", None)
    (versions / "helpers.py").write_text("def shared():\n    return 1\n")
    graph = read_graph(versions)
    assert codes(graph) == ["parse-error"]
    assert graph.problems[0].path == "versions/helpers.py"


def test_legacy_hex_file_name_gives_the_id(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "1975ea83b712.py").write_text("down_revision = None\n")
    graph = read_graph(versions)
    assert graph.heads == ("1975ea83b712",)


def test_nested_folders_need_recursive_version_locations(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", None)
    write_revision(versions / "2024" / "q1", "b.py", "b", "a")
    assert read_graph(versions, recursive=True).heads == ("b",)
    assert read_graph(versions, recursive=False).heads == ("a",)


def test_several_version_locations(tmp_path: Path) -> None:
    first, second = tmp_path / "core", tmp_path / "plugins"
    write_revision(first, "a.py", "a", None)
    write_revision(second, "b.py", "b", "a")
    graph = read_graph(first, second, root=tmp_path)
    assert graph.heads == ("b",)
    assert graph.revisions["b"].path == "plugins/b.py"


def test_syntax_error_is_a_parse_error_with_line(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "bad.py").write_text(
        'revision = "a"\ndown_revision = None\n\ndef upgrade(:\n    pass\n'
    )
    graph = read_graph(versions)
    (problem,) = graph.problems
    assert problem.code == "parse-error"
    assert problem.line == 4
    assert "versions/bad.py:4" in problem.message


def test_non_literal_revision_is_a_parse_error(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a.py").write_text(
        "import uuid\nrevision = uuid.uuid4().hex\ndown_revision = None\n"
    )
    (problem,) = read_graph(versions).problems
    assert problem.code == "parse-error"
    assert problem.line == 2
    assert "not a string literal" in problem.message


def test_multiple_heads(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", None)
    write_revision(versions, "b.py", "b", "a")
    write_revision(versions, "c.py", "c", "a")
    graph = read_graph(versions)
    assert set(graph.heads) == {"b", "c"}
    problem = graph.multiple_heads_problem(max_heads=1)
    assert problem is not None and problem.code == "multiple-heads"
    assert set(problem.revisions) == {"b", "c"}
    assert graph.multiple_heads_problem(max_heads=2) is None


def test_missing_parent(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", None)
    write_revision(versions, "b.py", "b", "gone")
    graph = read_graph(versions)
    assert codes(graph) == ["missing-parent"]
    assert graph.problems[0].revisions == ("b", "gone")


def test_missing_dependency(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", None, depends_on="nowhere")
    assert codes(read_graph(versions)) == ["missing-parent"]


def test_duplicate_revision(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", None)
    write_revision(versions, "a_copy.py", "a", None)
    graph = read_graph(versions)
    assert codes(graph) == ["duplicate-revision"]
    assert "versions/a.py" in graph.problems[0].message


def test_cycle(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", None)
    write_revision(versions, "b.py", "b", ("a", "c"))
    write_revision(versions, "c.py", "c", "b")
    write_revision(versions, "d.py", "d", "c")
    graph = read_graph(versions)
    assert codes(graph) == ["cycle"]
    assert set(graph.problems[0].revisions) >= {"b", "c"}


def test_cycle_with_no_base_at_all(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", "b")
    write_revision(versions, "b.py", "b", "a")
    assert codes(read_graph(versions)) == ["cycle"]


def test_parse_cache_is_used_and_never_stale(tmp_path: Path, monkeypatch) -> None:
    import os
    import time

    from migration_guard.config.alembic_ini import AlembicSettings
    from migration_guard.graph import load

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    versions = tmp_path / "versions"
    path = write_revision(versions, "a.py", "aaaa", None)
    old = 1_600_000_000
    os.utime(path, (old, old))
    time.sleep(0.2)  # out of the racy window
    settings = AlembicSettings(tmp_path / "alembic.ini", tmp_path, (versions,), False)

    calls = []
    real = load.read_revision_source
    monkeypatch.setattr(load, "read_revision_source", lambda *a: calls.append(a) or real(*a))
    assert load.work_tree_graph(settings, tmp_path).heads == ("aaaa",)
    assert load.work_tree_graph(settings, tmp_path).heads == ("aaaa",)
    assert len(calls) == 1  # the second run came from the cache

    # same size, same mtime, other content: the ctime (and so the key) still changes
    path.write_text(path.read_text().replace("aaaa", "bbbb"))
    os.utime(path, (old, old))
    time.sleep(0.2)
    assert load.work_tree_graph(settings, tmp_path).heads == ("bbbb",)
    assert len(calls) == 2


def test_recently_changed_files_are_not_cached(tmp_path: Path, monkeypatch) -> None:
    from migration_guard.graph.scan import scan_work_tree

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    versions = tmp_path / "versions"
    write_revision(versions, "a.py", "a", None)
    (source,) = scan_work_tree((versions,), False, tmp_path)
    assert source.cache_key is None
