"""One router per resource of API v1; each is built from the app's ``Deps``."""
