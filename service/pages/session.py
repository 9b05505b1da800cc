"""Signing in and out, the landing page, and the analyst's page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import auth, db
from ..problems import Problem
from ..services import accounts
from . import bp
from .common import home_for, safe_next


@bp.get("/")
def index() -> ResponseReturnValue:
    """Send people to their own start page (or to sign in)."""
    return redirect(home_for(auth.current_user()))


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> ResponseReturnValue:
    """The sign-in form; wrong passwords and the rate limit are explained on the page."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        current = auth.current_user()
        if current is not None and next_url is None:
            return redirect(home_for(current))
        return render_template("signin.html", next_url=next_url, username="")
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        return render_template("signin.html", next_url=next_url, username=username, error="Enter your user name and your password."), 400
    try:
        user = accounts.authenticate(db.session(), username, password, request.remote_addr or "unknown")
    except Problem as exc:
        if exc.status not in (401, 429):
            raise
        return render_template("signin.html", next_url=next_url, username=username, error=exc.detail, locked=exc.status == 429), exc.status, exc.headers
    auth.login_user(user)
    flash(f"Signed in as {user.username}.", "success")
    return redirect(next_url or home_for(auth.current_user()))


@bp.post("/signout")
def signout() -> ResponseReturnValue:
    """End the user's sessions on the server (a POST with the CSRF token, so another site cannot sign you out)."""
    auth.logout_user()
    flash("You are signed out.", "success")
    return redirect(url_for("pages.signin"))


@bp.get("/analyst")
def analyst_home() -> ResponseReturnValue:
    """Analysts work in the notebooks and with the pseudonymised export."""
    user = auth.require("analyst")
    return render_template("analyst.html", user=user)
