"""The Gradio chat UI: chat on one side, the selected answer's sources on the other.

Everything from the corpus or a question is escaped before display, so no markup from
either ever runs in the page.
"""

import html
import logging
import re

from .config import Settings
from .errors import AssistantError

log = logging.getLogger(__name__)

EXAMPLES = [
    "How many customers does AliCloud have?",
    "How many times more transactions per second could AWS process than AliCloud in 2015?",
    "What three strategies does the author recommend for AliCloud?",
    "Why should AliCloud not focus on North America?",
    "What share of China's SMEs does AliCloud's customer count represent?",
]
CSS = """
.sources mark { background: #fff1a8; padding: 0 2px; border-radius: 3px; }
.sources .cite { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; margin: 8px 0; }
.sources .meta { color: #6b7280; font-size: 0.85em; margin-bottom: 4px; }
.sources .passage { white-space: pre-wrap; line-height: 1.45; }
.sources table { border-collapse: collapse; font-size: 0.9em; }
.sources td, .sources th { border: 1px solid #e5e7eb; padding: 3px 8px; text-align: left; }
.sources .resolved { color: #374151; font-style: italic; margin-bottom: 6px; }
"""


def safe_markdown(text: str) -> str:
    """Markdown we wrote, with any HTML, image or link syntax from the sources neutralized."""
    text = html.escape(text, quote=False)
    return text.replace("![", "!\\[").replace("](", "]\\(")


def render_sources(answer: dict | None) -> str:
    """HTML for the Sources panel: numbered citations with the quote highlighted."""
    if not answer:
        return "<div class='sources'><p>Ask a question; the passages behind the answer " \
               "appear here.</p></div>"
    parts = ["<div class='sources'>"]
    if answer.get("resolved_question") and answer["resolved_question"] != answer["question"]:
        parts.append(f"<div class='resolved'>Understood as: "
                     f"{html.escape(answer['resolved_question'])}</div>")
    if answer.get("abstained"):
        parts.append("<p><b>Not covered by the sources.</b></p>")
    for c in answer.get("citations", []):
        meta = " · ".join(html.escape(str(x)) for x in (
            c.get("author"), c.get("published"), c.get("locator")) if x)
        parts.append(
            f"<div class='cite'><div><b>[{c['n']}]</b> {html.escape(c.get('title', ''))}</div>"
            f"<div class='meta'>{meta}</div>"
            f"<div class='passage'>{highlight(c['text'], c['quote'])}</div></div>"
        )
    figures = answer.get("figures") or []
    if figures:
        parts.append("<h4>Figures</h4><table><tr><th>Entity</th><th>Metric</th><th>Period</th>"
                     "<th>Value</th><th>Unit</th></tr>")
        for f in figures:
            parts.append("<tr>" + "".join(f"<td>{html.escape(str(f[k]))}</td>" for k in (
                "entity", "metric", "period", "value", "unit")) + "</tr>")
        parts.append("</table>")
    calc = answer.get("calculation")
    if calc:
        parts.append(f"<h4>Calculation</h4><p><code>{html.escape(calc['expression'])} = "
                     f"{html.escape(str(calc['result']))}</code></p>")
    parts.append("</div>")
    return "".join(parts)


def highlight(text: str, quote: str) -> str:
    """Escape a passage and mark the supporting quote inside it."""
    start = text.find(quote) if quote else -1
    if start < 0:
        return html.escape(text)
    end = start + len(quote)
    return (html.escape(text[:start]) + "<mark>" + html.escape(text[start:end]) + "</mark>"
            + html.escape(text[end:]))


def chat_text(answer: dict) -> str:
    """The answer as a chat message (Markdown, sources neutralized)."""
    text = safe_markdown(answer["answer"])
    if answer.get("resolved_question") and answer["resolved_question"] != answer["question"]:
        text = f"*Understood as: {safe_markdown(answer['resolved_question'])}*\n\n{text}"
    return text


def make_respond(bot):
    """The chat handler: (message, chat history, answers) -> updated chat, sources, answers."""

    def respond(message: str, chat: list[dict], answers: list[dict]):
        chat = list(chat or [])
        answers = list(answers or [])
        history = [{"role": m["role"], "content": _plain(m["content"])} for m in chat
                   if m.get("role") in {"user", "assistant"}]
        try:
            answer = bot.ask(message, history).to_dict()
            reply = chat_text(answer)
        except AssistantError as exc:
            answer, reply = None, f"⚠️ {safe_markdown(str(exc))}"
        except Exception:  # the user sees a message, never a traceback
            log.exception("failed to answer")
            answer, reply = None, "⚠️ Something went wrong answering that; please try again."
        chat += [{"role": "user", "content": safe_markdown(message or "")},
                 {"role": "assistant", "content": reply}]
        answers.append(answer)
        return "", chat, answers, render_sources(answer)

    return respond


def _plain(content) -> str:
    if isinstance(content, str):
        text = re.sub(r"^\*Understood as:.*?\*\n\n", "", content, flags=re.S)
        return html.unescape(text.replace("\\[", "[").replace("\\(", "("))
    return ""


def build_demo(bot):
    """The Gradio Blocks app for an opened Assistant."""
    import gradio as gr

    respond = make_respond(bot)

    def show(answers: list[dict], evt: gr.SelectData):
        # Chat rows alternate user/assistant; answer k is row 2k+1.
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        k = index // 2
        return render_sources(answers[k] if 0 <= k < len(answers) else None)

    def ask_api(question: str, history: list[dict] | None = None) -> dict:
        """Answer a question with the chat history; returns the JSON answer object."""
        try:
            return bot.ask(question, history or []).to_dict()
        except AssistantError as exc:
            return {"error": str(exc), "question": question}

    with gr.Blocks(title="AliCloud briefing assistant") as demo:
        gr.Markdown("## AliCloud briefing assistant\nCited answers about AliCloud's competitive "
                    "position. Every answer quotes its sources; select an answer to see them.")
        answers = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Briefing chat", height=520, sanitize_html=True)
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask about customers, capacity, strategy…",
                                     show_label=False, scale=5, max_lines=4)
                    send = gr.Button("Ask", variant="primary", scale=1)
                gr.Examples(EXAMPLES, inputs=box, label="Try")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(render_sources(None))
        outputs = [box, chat, answers, sources]
        box.submit(respond, [box, chat, answers], outputs, api_visibility="private")
        send.click(respond, [box, chat, answers], outputs, api_visibility="private")
        chat.select(show, [answers], sources, api_visibility="private")
        gr.api(ask_api, api_name="ask")
    return demo


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Open the assistant (building the index if needed) and serve the UI until stopped."""
    from .pipeline import Assistant

    bot = Assistant.open(settings=settings)
    demo = build_demo(bot)
    demo.queue(max_size=64, default_concurrency_limit=4)
    auth = tuple(settings.auth.split(":", 1)) if ":" in settings.auth else None
    demo.launch(server_name=host, server_port=port, share=False, auth=auth, css=CSS,
                footer_links=["api"], show_error=False)
