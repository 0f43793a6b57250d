"""`GET <base_url>cellstream/config`: the CELLSTREAM_* presets of the server's environment."""

import json
import os

import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

# Setting name in schema/plugin.json -> environment variable.
PRESETS = {
    "ingestUrl": "CELLSTREAM_INGEST_URL",
    "lmsUrl": "CELLSTREAM_LMS_URL",
    "realtimeUrl": "CELLSTREAM_REALTIME_URL",
    "token": "CELLSTREAM_TOKEN",
    "classId": "CELLSTREAM_CLASS_ID",
    "sendCode": "CELLSTREAM_SEND_CODE",
    "sendOutputs": "CELLSTREAM_SEND_OUTPUTS",
    "consent": "CELLSTREAM_CONSENT",
}


class PresetsHandler(APIHandler):
    # Authenticated like every Jupyter API: only the notebook's own user reads the token.
    @tornado.web.authenticated
    def get(self):
        presets = {key: os.environ[name] for key, name in PRESETS.items() if os.environ.get(name)}
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(presets))


def setup_handlers(web_app):
    base_url = web_app.settings["base_url"]
    route = url_path_join(base_url, "cellstream", "config")
    web_app.add_handlers(".*$", [(route, PresetsHandler)])
