"""Cellstream for JupyterLab 4.

The browser extension (prebuilt, under share/jupyter/labextensions/cellstream-jupyter) captures
notebook activity; this server extension hands it the presets of the server's environment
(CELLSTREAM_*), which is how a JupyterHub spawner configures each student.
"""

from .handlers import setup_handlers

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "cellstream-jupyter"}]


def _jupyter_server_extension_points():
    return [{"module": "cellstream_jupyter"}]


def _load_jupyter_server_extension(server_app):
    setup_handlers(server_app.web_app)
    server_app.log.info("cellstream_jupyter: serving presets at /cellstream/config")
