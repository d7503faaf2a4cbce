"""Modal and full screens: approval, plugins, audit trail, sessions, quick open."""
