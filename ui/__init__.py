"""sourced's front ends: the command line (`ui.cli`) and the Gradio chat (`ui.chat`).

Both are thin: they parse input, call `qa` / `vectorstore`, and format what comes back.
Importing this package is cheap; gradio loads only when the chat starts.
"""
