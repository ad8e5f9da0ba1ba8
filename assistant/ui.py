"""The browser chat page: a Gradio Blocks app over an `Assistant`, built here and launched elsewhere.

`ChatHandlers` holds every handler as a plain method (the chat handler is a generator), so tests
call them without a server; `build_app` wires them to components, and `launch_options` gives the
server settings (CSS, the 10 MB upload limit) that Gradio 6 takes at `launch()`. No answering logic
lives here: questions, history and uploads go to the Assistant, and its answers are rendered by
`ui_render`. Upload checks are in `uploads`.

A conversation is a list of turns, {"question", "answer" (an Answer or None), "error"}; the chat
shows each turn as a user message and an assistant message, so message i belongs to turn i // 2.
"""

import json
import logging
import secrets
import tempfile
import threading
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from . import ui_render, uploads
from .ratelimit import RateLimit
from .config import MAX_QUESTION_CHARS
from .errors import AssistantError, DocumentError
from .schema import Answer

EXAMPLES = [
    "What does a junior ML engineer earn in India?",
    "Which cities have the most ML jobs?",
    "Which skills do employers ask for?",
    "How can I stand out as a candidate?",
]



def launch_options(data_dir: str | Path = "data") -> dict[str, Any]:
    """Keyword arguments for `demo.launch()` that the page needs (Gradio 6 takes CSS at launch)."""
    return {
        "css": ui_render.CSS,
        "max_file_size": f"{uploads.MAX_BYTES // 1_048_576}mb",
        "allowed_paths": [str(Path(data_dir) / "exports")],
        "footer_links": ["api"],
        "show_error": True,
    }


_log = logging.getLogger(__name__)


def _no_progress(*args: Any, **kwargs: Any) -> None:
    pass


def _md(text: Any) -> str:
    return ui_render.md_escape(str(text))


class ChatHandlers:
    """Every action on the page as a plain method over the Assistant and a data folder."""

    def __init__(self, assistant: Any, *, data_dir: str | Path = "data", shared_uploads: bool = False,
                 rate_limit: RateLimit | None = None):
        self.assistant = assistant
        self.data_dir = Path(data_dir)
        self.shared_uploads = shared_uploads
        self.rate_limit = rate_limit or RateLimit()
        self._feedback_lock = threading.Lock()

    # --- chat -------------------------------------------------------------------------------

    def respond(self, message: str, turns: list[dict] | None, scope: str | None, session: str | None = None,
                backend: str | None = None) -> Iterator[tuple]:
        """Stream an answer to `message`; yields (chat messages, turns, sources panel, textbox)."""
        turns = list(turns or [])
        question = (message or "").strip()
        if not question:
            yield chat_messages(turns), turns, self.panel(turns), message
            return
        if not self.rate_limit.allow(session):
            turns.append({"question": question, "answer": None, "error": (
                f"That is more than {self.rate_limit.limit} questions in {self.rate_limit.window:.0f} seconds; "
                "please wait a moment and ask again.")})
            yield chat_messages(turns), turns, self.panel(turns), message
            return
        history = bot_history(turns)
        turn: dict = {"question": question, "answer": None, "error": "", "partial": ""}
        turns.append(turn)
        yield chat_messages(turns), turns, ui_render.sources_html(None), ""
        try:
            chosen = {"llm": backend} if backend and backend in self.assistant.backends() else {}
            for piece in self.assistant.stream(question, history=history, scope=scope, **chosen):
                if isinstance(piece, Answer):
                    turn["answer"] = piece
                else:
                    turn["partial"] += str(piece)
                    yield chat_messages(turns), turns, ui_render.sources_html(None), ""
        except AssistantError as exc:  # QuestionError, LLMError, IndexBusyError: say so in the chat
            turn["error"] = str(exc)
        except Exception:  # a bug must not leave the chat hanging on "…"
            _log.exception("answering %r failed", question)
            turn["error"] = "Something went wrong while answering; the error has been logged."
        if turn["answer"] is None and not turn["error"]:
            turn["error"] = "The assistant returned no answer."
        turn.pop("partial")
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
            what = ("a language model writes the answer; its claims are checked against the cited passages, "
                    "and the extractive answer is shown when they don't hold")
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
        else:
            reply = {"role": "assistant", "content": ui_render.md_escape(t.get("partial", "")) or "…"}
        messages.append(reply)
    return messages


def build_app(assistant: Any, *, shared_uploads: bool = False, data_dir: str | Path = "data", rate_limit: int = 30):
    """The chat page as a gr.Blocks, not launched; pass `launch_options(data_dir)` to `launch()`.

    `rate_limit`: questions per minute one browser session may ask (0: no limit).
    """
    import gradio as gr

    h = ChatHandlers(assistant, data_dir=data_dir, shared_uploads=shared_uploads, rate_limit=RateLimit(rate_limit))
    one_at_a_time = {"concurrency_id": "assistant", "concurrency_limit": 1}

    with gr.Blocks(title="ML Engineer Jobs in India: ask the guide", analytics_enabled=False) as demo:
        scope = gr.State(None)
        turns = gr.State([])
        gr.Markdown("## ML Engineer Jobs in India: ask the guide\nAnswers quote the documents and cite them as [n].")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat", height=520, elem_id="chat", examples=[{"text": q} for q in EXAMPLES],
                    sanitize_html=True, allow_tags=False, feedback_options=("Like", "Dislike"),
                    latex_delimiters=[], buttons=["copy"], placeholder="Ask about ML engineer jobs in India.",
                )
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask a question…", show_label=False, scale=5, elem_id="question",
                                     max_length=MAX_QUESTION_CHARS)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    export_btn = gr.Button("Export conversation", size="sm", elem_id="export")
                    clear_btn = gr.Button("Clear", size="sm", elem_id="clear")
                export_file = gr.File(label="Conversation (Markdown)", visible=False, elem_id="export-file")
            with gr.Column(scale=2):
                with gr.Tab("Sources"):
                    sources = gr.HTML(ui_render.sources_html(None), elem_id="sources", js_on_load=None)
                with gr.Tab("Documents"):
                    upload_box = gr.File(
                        label=f"Add documents ({uploads.ACCEPTED}, up to 10 MB)", file_count="multiple",
                        file_types=list(uploads.EXTENSIONS.values()), elem_id="upload",
                    )
                    status = gr.Markdown(elem_id="upload-status")
                    docs = gr.HTML(elem_id="documents", js_on_load=None)
                    with gr.Row():
                        removable = gr.Dropdown(label="Your uploads", choices=[], scale=3, elem_id="removable")
                        remove_btn = gr.Button("Remove", size="sm", scale=1, elem_id="remove")
                with gr.Tab("Settings"):
                    settings = gr.Markdown(elem_id="settings")
                    backend = gr.Radio(choices=assistant.backends(), value=assistant.backend_name,
                                       label="Answerer for this session", elem_id="backend")

        chat_out = [chatbot, turns, sources, box]

        def on_load(request: gr.Request):
            s = uploads.scope_for(request.session_hash if request else None, shared_uploads)
            html, names = h.documents(s)
            return s, html, gr.Dropdown(choices=names, value=None), h.settings()

        def on_unload(request: gr.Request):
            h.end_session(uploads.scope_for(request.session_hash, shared_uploads))

        def ask(message, turns_, scope_, backend_, request: gr.Request):
            yield from h.respond(message, turns_, scope_, _session(request), backend_)

        def ask_example(data: gr.SelectData, turns_, scope_, backend_, request: gr.Request):
            value = data.value.get("text", "") if isinstance(data.value, dict) else str(data.value)
            yield from h.respond(value, turns_, scope_, _session(request), backend_)

        def retry(data: gr.RetryData, turns_, scope_, backend_, request: gr.Request):
            yield from h.retry(turns_, int(data.index), scope_, _session(request), backend_)

        def like(data: gr.LikeData, turns_):
            h.feedback(turns_, int(data.index), data.liked)

        def select(data: gr.SelectData, turns_):
            return h.show_sources(turns_, int(data.index))

        def export(turns_):
            path = h.export(turns_)
            return gr.File(value=path, visible=path is not None)

        def upload(files, scope_, progress=gr.Progress()):
            note, html, names = h.upload(files, scope_, progress)
            return note, html, gr.Dropdown(choices=names, value=None), None, h.settings()

        def remove(name, scope_):
            note, html, names = h.remove(name, scope_)
            return note, html, gr.Dropdown(choices=names, value=None), h.settings()

        demo.load(on_load, None, [scope, docs, removable, settings])
        demo.unload(on_unload)
        gr.on([box.submit, send.click], ask, [box, turns, scope, backend], chat_out, **one_at_a_time)
        chatbot.example_select(ask_example, [turns, scope, backend], chat_out, **one_at_a_time)
        chatbot.option_select(ask_example, [turns, scope, backend], chat_out, **one_at_a_time)
        chatbot.retry(retry, [turns, scope, backend], chat_out, **one_at_a_time)
        chatbot.like(like, [turns], None)
        chatbot.select(select, [turns], sources)
        gr.on([chatbot.clear, clear_btn.click], h.clear, None, chat_out)
        export_btn.click(export, [turns], export_file)
        upload_box.upload(upload, [upload_box, scope], [status, docs, removable, upload_box, settings], **one_at_a_time)
        remove_btn.click(remove, [removable, scope], [status, docs, removable, settings], **one_at_a_time)
    demo.queue(max_size=64)
    return demo
