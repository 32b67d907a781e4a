"""Security headers on every response, and the Secure cookie flag when served over HTTPS.

Pages load only what the sandbox serves itself (exam halls are offline): no inline script and no
inline style attribute anywhere, so the policy needs neither 'unsafe-inline' nor nonces. Data
blocks (<script type="application/json">) are not executed and so are not scripts to the policy.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    """Add the headers to every response; mark cookies Secure when HTTPS is configured."""
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("HTTPS"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
