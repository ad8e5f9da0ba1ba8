"""The chat page. Hugging Face Spaces imports `demo` from here; `python app.py` serves it locally.

Importing builds the Assistant and, when the index is absent, the index, so the first question
is answered at once. Launching happens only under __main__, on 127.0.0.1:7860 unless
GRADIO_SERVER_NAME / GRADIO_SERVER_PORT say otherwise (Spaces sets them).
"""

from __future__ import annotations

import os

from assistant import Assistant
from assistant.config import load_settings
from assistant.ui import build_app, launch_options

settings = load_settings()
assistant = Assistant(settings=settings)
assistant.documents()  # first use builds the index (or brings it in step with corpus/) before serving
demo = build_app(
    assistant,
    shared_uploads=settings.shared_uploads,
    data_dir=settings.data_dir,
    rate_limit=settings.rate_limit,
)

if __name__ == "__main__":
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        **launch_options(settings.data_dir),
    )
