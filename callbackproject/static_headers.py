"""WhiteNoise headers for the static files other sites load by a fixed address: the widget's scripts."""

# Embed tags name these unhashed paths, so they are cached briefly (a deploy reaches every site within minutes)
# and may be loaded from any origin; hashed names keep WhiteNoise's long, immutable cache. v1/ is the address
# the embed snippet gives; the unversioned widget.js stays for the tags pasted before it.
WIDGET_PATHS = frozenset(
    {
        "/static/callback/v1/widget.js",
        "/static/callback/v1/widget.min.js",
        "/static/callback/widget.js",
        "/static/callback/widget.min.js",
    }
)


def add_headers(headers, path: str, url: str) -> None:
    if url in WIDGET_PATHS:
        headers["Cache-Control"] = "public, max-age=300"
        headers["Access-Control-Allow-Origin"] = "*"
