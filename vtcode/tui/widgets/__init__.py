"""The main screen's parts: the conversation (messages, tool panels) and the status bar."""
