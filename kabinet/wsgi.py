import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse here what would make production unsafe (a rate
# limiter that counts per process), with the same message `manage.py check` gives.
from kabinet.core.checks import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()
