"""The console's pages and form posts, one module per area (``console/app.py`` mounts them)."""
