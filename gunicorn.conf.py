"""Gunicorn's settings for DMT's web process. bin/web starts gunicorn with this file: the
Docker image does, and so does CI's production smoke test (.ci/prod-smoke)."""

import os

wsgi_app = "dmt.wsgi:application"
# All interfaces inside a container; CI binds 127.0.0.1 and a free port.
bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
accesslog = "-"
# DMT does not use gunicorn's control socket (~/.gunicorn/gunicorn.ctl): one less thing
# listening, and two servers on one machine (CI runs in parallel) cannot collide on it.
control_socket_disable = True
