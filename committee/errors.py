"""Exceptions that map to the CLI's exit codes (design.md): BadInput -> 2, EngineFailed -> 3,
Interrupted -> 130; and `redact`, which keeps secrets out of stored or printed errors."""

import os
import re

_SECRET_ENV = re.compile(r"(API_KEY|TOKEN|SECRET|PASSWORD)", re.IGNORECASE)
# credentials inside a URL: scheme://user:password@host or scheme://token@host
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#]*@")
# an HTTP header carrying a secret, as some SDK errors print request headers: auth and
# cookie headers, and any hyphenated header name ending in -key, -token, -secret,
# -session, -signature or -password (x-api-key, x-custom-token, x-goog-api-key, ...)
_SECRET_HEADER = re.compile(
    r"(?i)(?<![\w-])((?:proxy-)?authorization|(?:set-)?cookie|api-?key|"
    r"[a-z0-9]+(?:-[a-z0-9]+)*-(?:key|token|secret|session|signature|password))(['\"]?\s*[:=]\s*['\"]?)[^'\",}\s]+(\s+[^'\",}\s]+)?"
)
# a secret in a URL's query string: ?key=..., &api_key=..., &token=...
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:api[_-]?key|key|token|access[_-]?token|secret|password|sig|signature|code|"
    r"auth|credentials?|session|jwt)=)[^&\s'\")]+"
)


def redact(text: str) -> str:
    """`text` with secrets replaced by `[redacted]`: the value of every secret-looking
    environment variable (names with API_KEY, TOKEN, SECRET or PASSWORD, values of 8+
    characters; a server may echo the key back in an error message), credentials
    embedded in any URL (`http://user:pass@gateway` -> `http://[redacted]@gateway`) or in
    its query string (`?key=...`, `?code=...`), the query string of any `*_BASE_URL`
    server address, and the value of auth, cookie and any `*-key`/`*-token`/`*-secret`/
    `*-session`/`*-signature`/`*-password` header."""
    for name, value in os.environ.items():
        if value and len(value) >= 8 and _SECRET_ENV.search(name):
            text = text.replace(value, "[redacted]")
        elif name.endswith("_BASE_URL") and "?" in value:  # a server address's query may carry a secret
            query = value.split("?", 1)[1]
            if len(query) >= 4:
                text = text.replace(query, "[redacted]")
    text = _URL_CREDENTIALS.sub(r"\1[redacted]@", text)
    text = _SECRET_QUERY.sub(r"\1[redacted]", text)
    return _SECRET_HEADER.sub(r"\1\2[redacted]", text)


class CommitteeError(Exception):
    """Base class; `exit_code` is what the CLI returns for it."""

    exit_code = 1


class BadInput(CommitteeError):
    """Bad input or usage: a clear one-line message, nothing written. Exit code 2."""

    exit_code = 2


class EngineFailed(CommitteeError):
    """An engine call failed after retries; the run is stored as resumable. Exit code 3."""

    exit_code = 3


class Interrupted(CommitteeError):
    """The user interrupted a run (Ctrl+C); it is stored and resumable. Exit code 130."""

    exit_code = 130


def error_location(error: dict, top: str = "(root)") -> str:
    """Where one pydantic error points, dotted (`panel.0.weights`), or `top` at the root."""
    return ".".join(str(p) for p in error["loc"]) or top


def pydantic_summary(exc, limit: int = 8, top: str = "(root)") -> str:
    """A pydantic `ValidationError` as one line: `loc: msg; loc: msg` for the first
    `limit` errors, then how many more. The one formatter of validation errors for
    messages (data files, manifests, packets, API replies)."""
    errors = exc.errors()
    parts = [f"{error_location(e, top)}: {e['msg']}" for e in errors[:limit]]
    more = len(errors) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
