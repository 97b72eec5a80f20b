"""Settings of the readings benchmark's server: the project's, with the bench URLs."""

from kabinet.settings import *  # noqa: F403

ROOT_URLCONF = "readings_urls"
