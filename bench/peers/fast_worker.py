"""Gunicorn worker class for the ASGI peers: uvicorn with uvloop and httptools, named explicitly.

uvicorn-worker's own class asks for "auto", which silently falls back to asyncio and h11 when the
fast libraries are missing; naming them makes such a fallback fail at start-up instead. The access
log is off, as it is for gunicorn's sync worker and for every other server in the comparison.
"""
from uvicorn_worker import UvicornWorker


class UvloopHttptoolsWorker(UvicornWorker):
    CONFIG_KWARGS = {"loop": "uvloop", "http": "httptools", "access_log": False}
