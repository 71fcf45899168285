"""The web app and REST API (`fairnotice serve`): FastAPI, server-rendered Jinja2, htmx."""
