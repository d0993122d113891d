"""Lessons: a lecture told in steps, each step a picture on screen and a few sentences.

A lesson is a JSON data file (``resources/lessons/*.json``; JSON because a teacher saves
lessons from the app and the standard library cannot write TOML)::

    {
      "gdsim": "lesson", "version": 1,
      "title": "The learning rate", "summary": "Too small, right, too big, way too big.",
      "steps": [
        {"title": "Too small",
         "text": "With **η = 0.01** each step takes 2 % of w: *slow*.",
         "state": {"active": "surface", "surface": {"surface": "parabola", "runs": [...]}},
         "hide": ["optimizer"],
         "expect": ["slow"]}
      ]
    }

- ``state`` is a *partial* app state (``AppState.to_dict()``'s shape, only what changes). A
  step's state is the previous step's with this dict merged over it (``merge_state``): objects
  merge key by key, a list replaces the list before it, ``null`` puts a field back to its
  default, and the parameters of a surface (``surface.params``) or of an optimizer
  (``network.training.hyper``) replace the ones before them whole, since their names belong to
  the surface or optimizer beside them. The first step merges over what is on screen when the
  lesson opens, so it names everything its picture needs.
- ``text`` is a few sentences: ``**bold**``, ``*italic*``, a line break, a blank line for a new
  paragraph; formulas in Unicode (η, λ, ∇, ², ≈). ``markup_html`` renders it.
- ``hide`` (optional) names control groups hidden during the step (``CONTROLS``).
- ``expect`` (optional) lists the verdicts of the surface explorer's runs, in order (network
  training is not replayed here: a network step states its outcome in its text only).

``load_lesson`` refuses a bad file with one ``LessonError`` line naming the file and the field
("02_learning_rate.json: steps[1].state.surface.runs[0].lr: must be ..."): each step's state is
built in order from the defaults, so a shipped lesson never fails half-way through a lecture.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gdsim.core.files import write_text_atomic
from gdsim.core.json_document import DocumentError, read_document
from gdsim.core.limits import MAX_RUNS
from gdsim.core.state import AppState, Fields, StateError
from gdsim.core.verdict import Regime

LESSON_VERSION = 1
"""Bumped when the file's shape changes; a newer file is refused, not misread."""

KIND = "lesson"
"""The ``"gdsim"`` field's value: a session file says ``"session"``, so neither is mistaken."""

CONTROLS: Mapping[str, tuple[str, ...]] = {
    "surface": ("demos", "surface", "optimizer", "runs", "step_size"),
    "network": ("data", "network", "training"),
}
"""The control groups a step may hide, by panel: what a lecture may keep out of view."""

CONTROL_NAMES = tuple(name for names in CONTROLS.values() for name in names)
VERDICTS = tuple(regime.value for regime in Regime)

MAX_FILE_BYTES = 1_000_000
MAX_STEPS = 50
MAX_TITLE = 200
MAX_TEXT = 5_000

_WHOLE = {("surface", "params"), ("network", "training", "hyper")}
"""Objects that replace their predecessor whole (see the module docstring)."""

_TOP_FIELDS = ("gdsim", "version", "title", "summary", "steps")
_STEP_FIELDS = ("title", "text", "state", "hide", "expect")


class LessonError(ValueError):
    """A lesson we refuse; one line naming the file and the field at fault."""


@dataclass(frozen=True)
class LessonStep:
    """One picture and its words. ``state`` is a partial ``AppState`` dict (JSON data)."""

    title: str
    text: str = ""
    state: Mapping[str, Any] = field(default_factory=dict)
    hide: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lesson:
    """A titled, ordered list of steps. The editing methods return a new lesson, so the
    player's lesson never changes behind a step it is showing."""

    title: str
    summary: str = ""
    steps: tuple[LessonStep, ...] = ()

    def with_step(self, index: int, step: LessonStep) -> Lesson:
        """``step`` in place of step ``index``."""
        steps = list(self.steps)
        steps[index] = step
        return replace(self, steps=tuple(steps))

    def inserted(self, index: int, step: LessonStep) -> Lesson:
        steps = list(self.steps)
        steps.insert(index, step)
        return replace(self, steps=tuple(steps))

    def removed(self, base: AppState, index: int) -> Lesson:
        """Without step ``index``; the others keep the pictures they showed (from ``base``)."""
        order = [k for k in range(len(self.steps)) if k != index]
        return self._reordered(base, order)

    def moved(self, base: AppState, index: int, offset: int) -> Lesson:
        """Step ``index`` moved ``offset`` places (clamped to the ends), every step keeping
        the picture it showed over ``base``: a step's state says only what changes from the
        step before, so each is re-expressed against its new predecessor (the first whole)."""
        order = list(range(len(self.steps)))
        order.insert(max(0, min(len(order) - 1, index + offset)), order.pop(index))
        return self._reordered(base, order)

    def _reordered(self, base: AppState, order: Sequence[int]) -> Lesson:
        pictures = [state_at(base, self, k) for k in range(len(self.steps))]
        steps, previous = [], None
        for k in order:
            steps.append(replace(self.steps[k], state=partial_state(previous, pictures[k])))
            previous = pictures[k]
        return replace(self, steps=tuple(steps))


# -- merging states ----------------------------------------------------------------------------


def merge_state(base: Mapping[str, Any], partial: Mapping[str, Any]) -> dict[str, Any]:
    """``partial`` merged over ``base`` (plain dicts; neither is changed)."""
    return _merge(base, partial, ())


def _merge(base: Mapping[str, Any], partial: Mapping[str, Any], path: tuple) -> dict[str, Any]:
    merged = dict(base)
    for key, value in partial.items():
        where = (*path, key)
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and where not in _WHOLE:
            below = merged.get(key)
            merged[key] = _merge(below if isinstance(below, Mapping) else {}, value, where)
        else:
            merged[key] = value
    return merged


def step_state(base: AppState, step: LessonStep) -> AppState:
    """The app state ``step`` shows after ``base``; ``StateError`` naming the field's path."""
    return AppState.from_dict(merge_state(base.to_dict(), step.state))


def state_at(base: AppState, lesson: Lesson, index: int) -> AppState:
    """Step ``index``'s state for a lesson opened on ``base``: the steps up to it merged in
    order, so going back shows the earlier picture whatever a later step changed. The
    ``StateError`` names the step ("step 3: surface.runs[0].lr: ...")."""
    state = base
    for number, step in enumerate(lesson.steps[: index + 1], 1):
        try:
            state = step_state(state, step)
        except StateError as error:
            raise StateError(f"step {number}: {error}") from None
    return state


def partial_state(base: AppState | None, current: AppState) -> dict[str, Any]:
    """What a step must hold to go from ``base`` to ``current`` (only what differs):
    ``step_state(base, LessonStep("", state=partial_state(base, current))) == current``.
    ``base`` None gives the whole state: what a lesson's first step stores, since it is
    shown over whatever the teacher had on screen."""
    return _difference({} if base is None else base.to_dict(), current.to_dict(), ())


def _difference(base: Mapping[str, Any], current: Mapping[str, Any], path: tuple) -> dict:
    changes: dict[str, Any] = {}
    for key in base.keys() - current.keys():
        changes[key] = None
    for key, value in current.items():
        before = base.get(key)
        if value == before and key in base:
            continue
        where = (*path, key)
        if isinstance(value, Mapping) and isinstance(before, Mapping) and where not in _WHOLE:
            changes[key] = _difference(before, value, where)
        else:
            changes[key] = value
    return changes


# -- markup ------------------------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ITALIC = re.compile(r"\*(.+?)\*", re.DOTALL)


def markup_html(text: str) -> str:
    """The step text as HTML: escaped, ``**bold**``, ``*italic*``, line breaks, paragraphs."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", html.escape(text.strip(), quote=False)):
        inline = _ITALIC.sub(r"<i>\1</i>", _BOLD.sub(r"<b>\1</b>", paragraph))
        paragraphs.append(f"<p>{inline.replace(chr(10), '<br>')}</p>")
    return "".join(paragraphs)


# -- files -------------------------------------------------------------------------------------


def shipped_lessons() -> list[Lesson]:
    """The lessons in ``resources/lessons/``, in file-name order (numeric prefixes)."""
    from gdsim.resources import LESSONS

    return [load_lesson(path) for path in sorted(LESSONS.glob("*.json"))]


def load_lesson(path: Path | str) -> Lesson:
    """Read and check one lesson file; ``LessonError`` (one line) when it cannot be used."""
    path = Path(path)
    try:
        document = read_document(path, MAX_FILE_BYTES)
    except DocumentError as error:
        raise LessonError(f"{path.name}: {error}") from None
    try:
        return lesson_from_dict(document)
    except StateError as error:
        raise LessonError(f"{path.name}: {error}") from None


def is_lesson_file(path: Path | str) -> bool:
    """Whether ``path`` says it is a lesson (``gdsim PATH.json`` opens either kind of file;
    an unreadable one is left to the session reader, which says what is wrong with it)."""
    try:
        document = read_document(Path(path), MAX_FILE_BYTES)
    except DocumentError:
        return False
    return isinstance(document, dict) and document.get("gdsim") == KIND


def lesson_from_dict(data: object) -> Lesson:
    """A checked lesson, or ``StateError`` naming the field ("steps[2].hide[0]: ...")."""
    top = Fields(data, "")
    if top.raw("gdsim", None) != KIND:
        raise StateError(f'gdsim: must be "{KIND}" (this is not a gdsim lesson file)')
    top.only(_TOP_FIELDS)
    version = top.raw("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise top.fail("version", f"must be a whole number from 1, got {version!r}")
    if version > LESSON_VERSION:
        raise top.fail("version", f"written by a newer gdsim (version {version}; this one reads 1)")
    lesson = Lesson(
        title=_text(top, "title", MAX_TITLE, required=True),
        summary=_text(top, "summary", MAX_TEXT),
        steps=tuple(_read_step(step) for step in top.children("steps", 1, MAX_STEPS)),
    )
    _check_states(lesson)
    return lesson


def _read_step(fields: Fields) -> LessonStep:
    fields.only(_STEP_FIELDS)
    state = fields.child("state", {})
    return LessonStep(
        title=_text(fields, "title", MAX_TITLE, required=True),
        text=_text(fields, "text", MAX_TEXT),
        state=dict(state.data),
        hide=_names(fields, "hide", CONTROL_NAMES, len(CONTROL_NAMES), "control"),
        expect=_names(fields, "expect", VERDICTS, MAX_RUNS, "verdict"),
    )


def _text(fields: Fields, name: str, limit: int, required: bool = False) -> str:
    value = fields.string(name, ... if required else "")
    if required and not value.strip():
        raise fields.fail(name, "must not be empty")
    if len(value) > limit:
        raise fields.fail(name, f"must be at most {limit:,} characters, got {len(value):,}")
    return value


def _names(
    fields: Fields, name: str, known: Sequence[str], most: int, what: str
) -> tuple[str, ...]:
    value = fields.raw(name, [])
    if not isinstance(value, list) or len(value) > most:
        raise fields.fail(name, f"must be a list of at most {most} {what} names")
    for index, item in enumerate(value):
        if item not in known:
            shown = item if isinstance(item, str) and len(item) <= 40 else "that"
            raise fields.fail(
                f"{name}[{index}]", f"unknown {what} {shown!r} (known: {', '.join(known)})"
            )
    return tuple(value)


def _check_states(lesson: Lesson) -> None:
    """Build every step's state in order from the defaults, and hold each ``expect`` to the
    number of runs it describes: a broken step is refused when the file is opened."""
    state = AppState()
    for index, step in enumerate(lesson.steps):
        where = f"steps[{index}]"
        try:
            state = step_state(state, step)
        except StateError as error:
            raise StateError(f"{where}.state.{error}") from None
        if step.expect and (
            state.active != "surface" or len(step.expect) != len(state.surface.runs)
        ):
            raise StateError(
                f"{where}.expect: must name one verdict per run of the surface explorer "
                f"({len(state.surface.runs)}) on a step that shows it"
            )


def lesson_to_dict(lesson: Lesson) -> dict[str, Any]:
    """The file's JSON data; optional fields left out when empty."""
    steps = []
    for step in lesson.steps:
        data: dict[str, Any] = {"title": step.title, "text": step.text, "state": dict(step.state)}
        if step.hide:
            data["hide"] = list(step.hide)
        if step.expect:
            data["expect"] = list(step.expect)
        steps.append(data)
    return {
        "gdsim": KIND,
        "version": LESSON_VERSION,
        "title": lesson.title,
        "summary": lesson.summary,
        "steps": steps,
    }


def save_lesson(path: Path | str, lesson: Lesson) -> None:
    """Write ``lesson`` as JSON, atomically (``OSError`` says what failed; an old file stays)."""
    text = json.dumps(lesson_to_dict(lesson), indent=2, ensure_ascii=False)
    write_text_atomic(Path(path), text + "\n")
