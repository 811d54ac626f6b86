"""The HTTP library the Python openai SDK sends through (openai 3.x: httpx2, a fork of httpx; earlier
releases: httpx): read off the SDK itself, since both may be installed side by side. Everything
here that speaks HTTP in-process uses the same one, so that replay answers the SDK in its own types
and recording (vcrpy) sees every request alike."""
import importlib

import openai

http_transport = importlib.import_module(openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0])

__all__ = ["http_transport"]
