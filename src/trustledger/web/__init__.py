"""Server-rendered pages (Jinja2 + htmx): officer console, subject portal, statistics."""
