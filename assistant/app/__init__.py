"""The Gradio briefing workspace: chat, sources panel, exports, feedback, corpus tab, web guards."""
