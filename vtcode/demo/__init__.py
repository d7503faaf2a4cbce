"""`vtcode demo`: a scripted model (clearly labelled: a replay, not a model) drives the real stack through a
small task and a prompt-injected exfiltration attempt, in a throw-away workspace with a fake home."""
