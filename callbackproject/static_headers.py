"""WhiteNoise headers for the one static file other sites load by a fixed address: the widget's script."""

# The embed tag names this unhashed path, so it is cached briefly (a deploy reaches every site within minutes)
# and may be loaded from any origin; hashed names keep WhiteNoise's long, immutable cache.
WIDGET_PATH = "/static/callback/widget.js"


def add_headers(headers, path: str, url: str) -> None:
    if url == WIDGET_PATH:
        headers["Cache-Control"] = "public, max-age=300"
        headers["Access-Control-Allow-Origin"] = "*"
