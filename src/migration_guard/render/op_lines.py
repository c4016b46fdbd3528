"""Which line of a revision file produced a statement Alembic is emitting right now.

Imported by the render child only. Two things make "the innermost frame in the revision
file" the wrong answer:

* ``op.batch_alter_table``: the ``batch_op.`` calls only record operations; Alembic emits
  them when the ``with`` block ends, so the stack then shows the ``with`` line. Each
  recorded operation therefore remembers the line it was recorded from, and that line is
  used while Alembic replays it.
* helpers defined in the revision file: the ``op.`` call inside the helper is shared by
  every use, so the line that tells the uses apart (and where a suppression for one use
  goes) is the outermost frame in the file, the call inside ``upgrade()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any


class OpLines:
    """Finds the revision line behind each emitted statement for one render.

    ``in_current_revision(filename)`` says whether a frame's file is the revision being
    rendered.
    """

    def __init__(self, in_current_revision: Callable[[str], bool]) -> None:
        self.in_current_revision = in_current_revision
        self.replaying: int | None = None  # line of the batch operation Alembic replays now

    def reset(self) -> None:
        """A render ended (or failed) mid-batch: nothing is being replayed any more."""
        self.replaying = None

    def line_of(self, frame: FrameType | None) -> int | None:
        """The line for a statement written with ``frame`` as the writer's caller."""
        if self.replaying is not None:
            return self.replaying
        return self.call_line(frame)

    def call_line(self, frame: FrameType | None) -> int | None:
        """The outermost line of the current revision's file on the stack, if any."""
        found = None
        while frame is not None:
            if self.in_current_revision(frame.f_code.co_filename):
                found = frame.f_lineno
            frame = frame.f_back
        return found

    def patch_batch_mode(self) -> None:
        """Make every ``batch_alter_table`` remember where each of its operations came from."""
        try:
            from alembic.operations.batch import BatchOperationsImpl
        except ImportError:  # an Alembic without batch mode: nothing to map
            return
        original_init: Callable[..., None] = BatchOperationsImpl.__init__
        lines = self

        def init(impl: Any, *args: Any, **kwargs: Any) -> None:
            original_init(impl, *args, **kwargs)
            if type(impl.batch) is list:
                impl.batch = _RecordedBatch(lines, impl.batch)

        setattr(BatchOperationsImpl, "__init__", init)  # noqa: B010


class _RecordedBatch(list[Any]):
    """Alembic's list of pending batch operations, each with the line that recorded it.

    Alembic appends to it from each ``batch_op.`` call and iterates it to emit them; while
    the loop body for one operation runs, that operation's line is the statement's line.
    """

    def __init__(self, lines: OpLines, items: list[Any]) -> None:
        super().__init__(items)
        self.lines = lines
        self.recorded_at: list[int | None] = [None] * len(items)

    def append(self, item: Any) -> None:
        import sys

        self.recorded_at.append(self.lines.call_line(sys._getframe(1)))
        super().append(item)

    def __iter__(self) -> Iterator[Any]:
        for index in range(len(self)):
            line = self.recorded_at[index] if index < len(self.recorded_at) else None
            outer, self.lines.replaying = self.lines.replaying, line
            try:
                yield self[index]
            finally:
                self.lines.replaying = outer
