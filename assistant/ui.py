"""The browser chat page: a Gradio Blocks app over an `Assistant`, built here and launched elsewhere.

`build_app` wires the plain handlers of `ui_handlers.ChatHandlers` to components, and
`launch_options` gives the server settings (CSS, the 10 MB upload limit) that Gradio 6 takes at
`launch()`. Programs get one endpoint, `/answer` (`serving.answer_for_program`: the Answer as JSON
data); every page handler is hidden from the API listing. Questions, and `/answer`, run in one
concurrency group, uploads in another, and `serving.LLMSlots` keeps questions waiting for the LLM
from filling the question workers, so answers that need no LLM never queue behind a generation.
"""

import logging  # no `from __future__ import annotations`: Gradio reads the handlers' type hints (gr.Request)
from pathlib import Path
from typing import Any

from . import serving, ui_render, uploads
from .config import MAX_QUESTION_CHARS
from .errors import AssistantError
from .ratelimit import RateLimit
from .ui_handlers import ChatHandlers, _session, bot_history, chat_messages

__all__ = ["EXAMPLES", "ChatHandlers", "backend_label", "bot_history", "build_app", "chat_messages", "launch_options"]

EXAMPLES = [
    "What does a junior ML engineer earn in India?",
    "Which cities have the most ML jobs?",
    "Which skills do employers ask for?",
    "How can I stand out as a candidate?",
]

_log = logging.getLogger(__name__)

# The page's own styles for an answer an LLM is still writing (the rest are ui_render's).
_CSS = """
.llm-writing { display: block; margin-top: .6em; opacity: .75; font-size: .85em; }
.provisional-note { opacity: .75; font-size: .85em; }
"""


def launch_options(data_dir: str | Path = "data") -> dict[str, Any]:
    """Keyword arguments for `demo.launch()` that the page needs (Gradio 6 takes CSS at launch)."""
    return {
        "css": ui_render.CSS + _CSS,
        "max_file_size": f"{uploads.MAX_BYTES // 1_048_576}mb",
        "allowed_paths": [str(Path(data_dir) / "exports")],
        "footer_links": ["api"],
        "show_error": True,
    }


def backend_label(spec: str) -> str:
    """How the Settings tab names an answerer.

    >>> backend_label("llama-cpp")
    'llama-cpp: a language model running on this server'
    """
    if spec == "extractive":
        return "extractive: quotes the documents, no language model"
    kind = spec.split(":", 1)[0]
    where = {"llama-cpp": "running on this server", "openai": "behind an OpenAI-compatible endpoint",
             "hf": "on Hugging Face"}.get(kind, "configured by the operator")
    return f"{spec}: a language model {where}"


def build_app(assistant: Any, *, shared_uploads: bool = False, data_dir: str | Path = "data", rate_limit: int = 30,
              llm_slots: int = 2):
    """The chat page as a gr.Blocks, not launched; pass `launch_options(data_dir)` to `launch()`.

    `rate_limit`: questions per minute one browser session (or one program's address) may ask
    (0: no limit). `llm_slots`: questions that may be with the LLM at once; the next ones get the
    extractive answer with a note. Questions run `llm_slots + 2` at a time, so at least two
    workers are always free for answers that need no LLM; uploads run one at a time beside them.
    """
    import gradio as gr

    h = ChatHandlers(assistant, data_dir=data_dir, shared_uploads=shared_uploads, rate_limit=RateLimit(rate_limit),
                     llm_slots=serving.LLMSlots(llm_slots))
    page = {"api_visibility": "private"}  # the page's handlers are not an API; programs use /answer
    questions = {**page, "concurrency_id": "questions", "concurrency_limit": llm_slots + 2}
    documents = {**page, "concurrency_id": "documents", "concurrency_limit": 1}
    # Asking and uploading as the page does stay callable (benchmarks/load.py drives the page so),
    # but unlisted: their inputs and outputs are the page's own and may change.
    unlisted = {"api_visibility": "undocumented"}

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
                    backend = gr.Radio(choices=[(backend_label(b), b) for b in assistant.backends()],
                                       value=assistant.backend_name,
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

        def answer(question: str, history: list[dict] | None = None, request: gr.Request = None) -> dict:
            """Answer a question from the documents, with citations.

            question: up to 2,000 characters. history: the conversation so far, as messages
            [{"role": "user" | "assistant", "content": "..."}], for follow-ups such as "And for seniors?".
            Returns the Answer as data: text (with [n] markers), answered (False when the documents
            don't cover the question), question, query (the retrieval query used), citations
            (number, source, section, text, page, start, end, score, quotes), backend, notice, topics.
            A bad question, or more than the rate limit allows, is an error with a plain message.
            """
            headers = getattr(request, "headers", None) or {}
            client = serving.client_address(getattr(getattr(request, "client", None), "host", None),
                                            headers.get("x-forwarded-for"))
            try:
                return serving.answer_for_program(assistant, question, history, client=client,
                                                  rate_limit=h.rate_limit, slots=h.llm_slots)
            except AssistantError as exc:  # QuestionError, TooManyQuestions, CorpusError, ...: the caller can act
                raise gr.Error(str(exc), print_exception=False) from None
            except Exception:
                _log.exception("/answer failed for %r", str(question)[:200])
                raise gr.Error("Something went wrong while answering; the error has been logged.",
                               print_exception=False) from None

        demo.load(on_load, None, [scope, docs, removable, settings], **page)
        demo.unload(on_unload)
        gr.on([box.submit, send.click], ask, [box, turns, scope, backend], chat_out, **{**questions, **unlisted})
        chatbot.example_select(ask_example, [turns, scope, backend], chat_out, **questions)
        chatbot.option_select(ask_example, [turns, scope, backend], chat_out, **questions)
        chatbot.retry(retry, [turns, scope, backend], chat_out, **questions)
        chatbot.like(like, [turns], None, **page)
        chatbot.select(select, [turns], sources, **page)
        gr.on([chatbot.clear, clear_btn.click], h.clear, None, chat_out, **page)
        export_btn.click(export, [turns], export_file, **page)
        upload_box.upload(upload, [upload_box, scope], [status, docs, removable, upload_box, settings],
                          **{**documents, **unlisted})
        remove_btn.click(remove, [removable, scope], [status, docs, removable, settings], **documents)
        gr.api(answer, api_name="answer", concurrency_id="questions", concurrency_limit=llm_slots + 2)
    demo.queue(max_size=64)
    return demo
