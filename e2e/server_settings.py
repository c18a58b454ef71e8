"""Settings of the ASGI worker processes behind nginx in the browser tests
(``YILIAN_E2E_FRONT=nginx``): the test settings, with what the tests' fixtures change for
an in-process server (e2e/front.py ``SERVER_SETTINGS``, conftest.py's fast password
hashing), and static files as production serves them (collected with hashed names)."""

from e2e.front import SERVER_SETTINGS
from yilian.settings import *  # noqa: F403
from yilian.settings import STORAGES

globals().update(SERVER_SETTINGS)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
