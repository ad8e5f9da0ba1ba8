"""The chat page's handlers as plain methods over an `Assistant`: no Gradio here, so tests call them directly.

`ChatHandlers` has one method per action on the page (the chat handler is a generator); `ui.py`
wires them to components. No answering logic: questions, history and uploads go to the Assistant
(through `serving.answer_stream`, which also admits questions to the LLM), and answers are rendered
by `ui_render`. Upload checks are in `uploads`.

A conversation is a list of turns, {"question", "answer" (an Answer or None), "error"}; the chat
shows each turn as a user message and an assistant message, so message i belongs to turn i // 2.
While an LLM writes, a turn also holds the provisional extractive answer ("provisional"), shown at
once, and the LLM's text so far ("partial"), shown below it until the final Answer replaces both.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
import tempfile
import threading
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from . import serving, ui_render, uploads
from .errors import AssistantError, DocumentError
from .ratelimit import RateLimit
from .schema import Answer

_log = logging.getLogger(__name__)

def _no_progress(*args: Any, **kwargs: Any) -> None:
    pass


def _md(text: Any) -> str:
    return ui_render.md_escape(str(text))


class ChatHandlers:
    """Every action on the page as a plain method over the Assistant and a data folder."""

    def __init__(self, assistant: Any, *, data_dir: str | Path = "data", shared_uploads: bool = False,
                 rate_limit: RateLimit | None = None, llm_slots: serving.LLMSlots | None = None):
        self.assistant = assistant
        self.data_dir = Path(data_dir)
        self.shared_uploads = shared_uploads
        self.rate_limit = rate_limit or RateLimit()
        self.llm_slots = llm_slots or serving.LLMSlots()
        self._feedback_lock = threading.Lock()

    # --- chat -------------------------------------------------------------------------------

    def respond(self, message: str, turns: list[dict] | None, scope: str | None, session: str | None = None,
                backend: str | None = None) -> Iterator[tuple]:
        """Stream an answer to `message`; yields (chat messages, turns, sources panel, textbox).

        With an LLM, the provisional extractive answer and its sources show at once, the LLM's
        text streams in below it, and the final Answer (verified, or the fallback with its
        notice) replaces both.
        """
        turns = list(turns or [])
        question = (message or "").strip()
        if not question:
            yield chat_messages(turns), turns, self.panel(turns), message
            return
        if not self.rate_limit.allow(session):
            turns.append({"question": question, "answer": None, "error": self.rate_limit.message()})
            yield chat_messages(turns), turns, self.panel(turns), message
            return
        history = bot_history(turns)
        turn: dict = {"question": question, "answer": None, "error": "", "partial": ""}
        turns.append(turn)
        yield chat_messages(turns), turns, ui_render.sources_html(None), ""
        llm = backend if backend and backend in self.assistant.backends() else None
        try:
            for piece in serving.answer_stream(self.assistant, question, history, scope, llm, self.llm_slots):
                if isinstance(piece, Answer) and piece.final:
                    turn["answer"] = piece
                elif isinstance(piece, Answer):  # the extractive answer, shown while the LLM writes its own
                    turn.update(provisional=piece, partial="", writer=llm or self.assistant.backend_name)
                    yield chat_messages(turns), turns, ui_render.sources_html(piece), ""
                else:
                    turn["partial"] += str(piece)
                    panel = ui_render.sources_html(turn.get("provisional"))
                    yield chat_messages(turns), turns, panel, ""
        except AssistantError as exc:  # QuestionError, LLMError, IndexBusyError: say so in the chat
            turn["error"] = str(exc)
        except Exception:  # a bug must not leave the chat hanging on "…"
            _log.exception("answering %r failed", question)
            turn["error"] = "Something went wrong while answering; the error has been logged."
        if turn["answer"] is None and turn.get("provisional") is not None:  # the LLM part failed: keep what was shown
            why = turn["error"].rstrip(".") if turn["error"] else "The language model gave no answer"
            turn["answer"] = dataclasses.replace(
                turn["provisional"], final=True, notice=f"{why}; showing the answer quoted from the documents.")
            turn["error"] = ""
        if turn["answer"] is None and not turn["error"]:
            turn["error"] = "The assistant returned no answer."
        for key in ("partial", "provisional", "writer"):
            turn.pop(key, None)
        yield chat_messages(turns), turns, self.panel(turns), ""

    def retry(self, turns: list[dict] | None, message_index: int, scope: str | None, session: str | None = None,
              backend: str | None = None) -> Iterator[tuple]:
        """Ask the question of the turn holding `message_index` again, dropping that turn and later ones."""
        turns = list(turns or [])
        k = message_index // 2
        if k >= len(turns):
            yield chat_messages(turns), turns, self.panel(turns), ""
            return
        question = turns[k]["question"]
        yield from self.respond(question, turns[:k], scope, session, backend)

    def clear(self) -> tuple:
        return [], [], ui_render.sources_html(None), ""

    def show_sources(self, turns: list[dict] | None, message_index: int) -> str:
        """The sources panel for the turn a clicked message belongs to."""
        turns = turns or []
        k = message_index // 2
        return ui_render.sources_html(turns[k].get("answer")) if 0 <= k < len(turns) else self.panel(turns)

    @staticmethod
    def panel(turns: list[dict]) -> str:
        return ui_render.sources_html(turns[-1].get("answer") if turns else None)

    # --- feedback and export ----------------------------------------------------------------

    def feedback(self, turns: list[dict] | None, message_index: int, liked: bool | str) -> dict | None:
        """Append a thumbs up/down on the answer at `message_index` to data_dir/feedback.jsonl."""
        turns = turns or []
        k = message_index // 2
        if message_index % 2 == 0 or k >= len(turns) or turns[k].get("answer") is None:
            return None
        answer: Answer = turns[k]["answer"]
        up = liked is True or (isinstance(liked, str) and liked.lower() in ("like", "up", "true"))
        record = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "rating": "up" if up else "down",
            "question": turns[k]["question"],
            "answer": answer.text,
            "answered": answer.answered,
            "citations": [asdict(c) for c in answer.citations],
            "index_version": self.assistant.index_version,
            "backend": answer.backend,
        }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._feedback_lock, open(self.data_dir / "feedback.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return record

    def export(self, turns: list[dict] | None) -> str | None:
        """Write the conversation as Markdown under data_dir/exports/ and return the file's path."""
        if not turns:
            return None
        now = datetime.now(timezone.utc)
        text = ui_render.conversation_markdown(
            turns,
            backend=self.assistant.backend_name,
            index_version=self.assistant.index_version,
            exported=now.strftime("%Y-%m-%d %H:%M UTC"),
        )
        folder = self.data_dir / "exports" / secrets.token_hex(8)  # unguessable: one folder per export
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"conversation-{now:%Y%m%d-%H%M%S}.md"
        path.write_text(text, encoding="utf-8")
        return str(path)

    # --- documents --------------------------------------------------------------------------

    def upload(self, files: list | None, scope: str | None, progress: Callable = _no_progress) -> tuple:
        """Check uploaded files, then index the accepted ones in `scope`.

        Returns (status Markdown, documents HTML, names this scope may remove).
        """
        paths = [str(getattr(f, "name", f)) for f in (files or [])]
        notes: list[str] = []
        staging = self.data_dir / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=staging) as tmp:
            accepted: list[Path] = []
            for i, path in enumerate(paths):
                progress((i, len(paths)), desc=f"Checking {Path(path).name}")
                try:
                    accepted.append(uploads.accept(path, Path(tmp) / str(i)))
                except (DocumentError, OSError) as exc:
                    notes.append(f"✗ {_md(Path(path).name)}: {_md(exc)}")
            if accepted:
                def indexing(n: int, total: int, source: str) -> None:
                    progress((n, total), desc=f"Indexing {source}" if source else "Indexed")

                try:
                    report = self.assistant.add_documents(accepted, scope=scope, progress=indexing)
                except AssistantError as exc:
                    notes.append(f"✗ Could not index the upload: {_md(exc)}")
                    return "\n\n".join(notes), *self.documents(scope)
                skipped = dict(report.skipped)
                counts = {d["name"]: d.get("passages") for d in self.assistant.documents(scope=scope)}
                for path in accepted:
                    if path.name in skipped:
                        notes.append(f"✗ {_md(path.name)}: {_md(skipped[path.name])}")
                        continue
                    notes.append(f"✓ {path.name}: indexed, {counts.get(path.name, 0)} passages. Ask away.")
                    if scope is None:  # remember what the page added to the shared corpus, so it can be removed
                        uploads.shared_marks(self.data_dir).mkdir(parents=True, exist_ok=True)
                        (uploads.shared_marks(self.data_dir) / path.name).touch()
        progress((len(paths), len(paths)), desc="Done")
        return "\n\n".join(notes), *self.documents(scope)

    def removable(self, scope: str | None) -> list[str]:
        """The documents a visitor may remove: their session's uploads, or the page's shared uploads."""
        if scope is None:
            return uploads.shared_upload_names(self.data_dir)
        return sorted(d["name"] for d in self.assistant.documents(scope=scope) if d.get("scope") == scope)

    def remove(self, name: str | None, scope: str | None) -> tuple:
        """Remove one of this scope's uploads from the index (the Assistant deletes its file)."""
        if name and name in self.removable(scope):
            removed = self.assistant.remove_document(name, scope=scope)
            if scope is None:
                (uploads.shared_marks(self.data_dir) / name).unlink(missing_ok=True)
            note = f"Removed {name}." if removed else f"{name} was not in the index."
        else:
            note = "Choose one of your uploads to remove."
        return note, *self.documents(scope)

    def end_session(self, scope: str | None) -> None:
        """Forget a closed browser session's private uploads (shared ones stay)."""
        if scope is None:
            return
        for name in self.removable(scope):
            self.assistant.remove_document(name, scope=scope)

    def documents(self, scope: str | None) -> tuple[str, list[str]]:
        return (
            ui_render.documents_html(self.assistant.documents(scope=scope), scope),
            self.removable(scope),
        )

    def settings(self) -> str:
        backend = self.assistant.backend_name
        if backend == "extractive":
            what = "the default: answers with sentences quoted from the documents; no language model"
        else:
            what = ("a language model writes the answer: the answer quoted from the documents shows at once, "
                    "and the model's replaces it once its claims are checked against the cited passages, "
                    "or stays with a note saying why when they don't hold")
        mode = "shared with every visitor" if self.shared_uploads else "private to your browser session"
        return (
            f"**Answerer:** {_md(backend)} ({what}). Operators set the default with `ASSISTANT_LLM`; "
            "pick another of the offered ones below for this session.\n\n"
            f"**Index version:** `{self.assistant.index_version}`\n\n"
            f"**Uploads:** {mode}; {uploads.ACCEPTED}, up to {uploads.MAX_BYTES // 1_048_576} MB each."
        )


def _session(request) -> str | None:
    """The browser session a request comes from (None when called without one, as tests do)."""
    return getattr(request, "session_hash", None) if request is not None else None


def bot_history(turns: list[dict]) -> list[dict]:
    """The conversation so far in the messages format the Assistant takes (answers as plain text)."""
    history: list[dict] = []
    for t in turns:
        if t.get("answer") is not None:
            history += [{"role": "user", "content": t["question"]}, {"role": "assistant", "content": t["answer"].text}]
    return history


def chat_messages(turns: list[dict]) -> list[dict]:
    """The Chatbot's value: two messages a turn, every piece of text escaped."""
    messages: list[dict] = []
    for t in turns:
        messages.append({"role": "user", "content": ui_render.md_escape(t["question"])})
        answer: Answer | None = t.get("answer")
        if answer is not None:
            reply: dict = {"role": "assistant", "content": ui_render.answer_markdown(answer)}
            if not answer.answered and answer.topics:
                reply["options"] = [{"value": topic, "label": topic} for topic in answer.topics]
        elif t.get("error"):
            reply = {"role": "assistant", "content": ui_render.error_markdown(t["error"])}
        elif t.get("provisional") is not None:
            reply = {"role": "assistant", "content": provisional_markdown(t)}
        else:
            reply = {"role": "assistant", "content": ui_render.md_escape(t.get("partial", "")) or "…"}
        messages.append(reply)
    return messages


def provisional_markdown(turn: dict) -> str:
    """An answer an LLM is still writing: the extractive answer, then what the LLM has written so far."""
    answer: Answer = turn["provisional"]
    writer = ui_render.md_escape(str(turn.get("writer") or "The language model"))
    if answer.answered:
        shown = ui_render.answer_markdown(answer)
        note = (f"{writer} is writing an answer from the same passages; it replaces this one "
                "once each of its sentences is checked against them.")
    else:
        shown = '<small class="provisional-note">No sentence of the documents answers this word for word.</small>'
        note = f"{writer} is reading the retrieved passages; its answer is checked against them before it is shown."
    written = ui_render.md_escape(turn.get("partial", "").strip()) or "…"
    draft = "\n".join("> " + line for line in written.splitlines())  # set apart: not yet checked
    return f'{shown}\n\n<small class="llm-writing">{note}</small>\n\n{draft}'
