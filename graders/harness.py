"""Drive attempts end to end without a person: new attempt, solve in Chromium, submit, grade.

Used by `scenarios verify`, the benchmarks and the tests. A solution is a Python file with
`solve(page, ctx)`: `page` is a Playwright page already logged in as the candidate (on the desktop,
/exam/), `ctx` a SolveContext. A partial solution (in the scenario's tests/) also declares
`EXPECTED_SCORE`, the total it must score; solution.py must score full marks.
"""

from __future__ import annotations

import importlib.util
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import select

from graders.browser import GradingBrowser
from graders.checks import scenario_checks, unmet_needs  # noqa: F401  (re-exported for tools)
from graders.runner import grade_attempt
from sandbox.control import attempts as attempt_service
from sandbox.control import signed_login
from sandbox.control.models import Attempt, GradeRun, Staff, StaffRole
from sandbox.control.people import create_staff

HARNESS_USER = "harness"

# The fields of an identity (seed_data/overlay.py make_identities), for the generated reference.
IDENTITY_FIELDS = {
    "role": "the role, as in world.accounts (buyer, seller, merchant, applicant, teller, operator, approver, payee, "
    "dispatcher, holder, ra_officer, enterprise)",
    "name": "a made-up Chinese name, the bank account's holder",
    "id_number": "an 18-digit 身份证号 with a valid check digit (what the bank's counter checks)",
    "mobile": "an 11-digit mobile number",
    "address": "a postal address (an applicant writes it on the account application)",
    "bank_code": "the bank's code, e.g. ICBC",
    "bank_name": "the bank's name, e.g. 中国工商银行",
    "account_no": "the 19-digit bank card number (网上银行 login and the cashier); empty for an applicant "
    "until the counter opens the account",
    "login_password": "the online-banking login password (a teller's: the counter login)",
    "payment_password": "the six-digit transaction password (交易密码) the bank and the cashier ask for; "
    "also the payment platform's pay password",
    "bank_balance_fen": "the starting balance in fen, as in world.accounts",
    "email": "the identity's address in the world's mail (邮箱), e.g. buyer.123456@mail.sim; also its "
    "payment-platform account",
    "platform_password": "the payment platform (云鹊支付) login password: cashier, account, merchant centre",
    "account_type": "applicant: personal or enterprise, as in world.accounts",
    "company": "operator/approver: the key of the company whose account they share",
    "company_name": "an enterprise applicant's or operator's company",
    "credit_code": "the company's 18-character 统一社会信用代码",
    "corp_login": "operator/approver: the enterprise online-banking operator number",
    "teller_no": "teller: the counter's teller number (柜员号)",
    "shop_name": "merchant: the candidate's own shop in the storefront",
    "shop_login": "merchant: the seller centre's login (卖家中心, /seller/login)",
    "shop_password": "merchant: the seller centre's password",
    "station": "dispatcher: the carrier's station, as carrier code and city (SF:杭州市)",
    "dispatch_login": "dispatcher: the login of the station's dispatch desk (调度台, /logistics/dispatch/login)",
    "dispatch_password": "dispatcher: the dispatch desk's password",
    "cert_password": "an identity given a certificate (`cert:`): the certificate's password in its store",
    "b2b_login": "enterprise: the B2B trade platform's member login (/b2b/login)",
    "b2b_password": "enterprise: the B2B trade platform's password",
    "cert_login": "operator/approver/merchant with `cert_login: true`: the site accepts it only with a certificate",
    "ra_login": "ra_officer: the login of the CA's RA console (RA 审核台, /ca/ra/login)",
    "ra_password": "ra_officer: the RA console's password",
}


SOLUTION_TIMEOUT_MS = 30_000  # Playwright's default wait in a solution's browser context


@dataclass
class SolveContext:
    """What a solution knows: the attempt's parameters and identities, and where the sandbox is."""

    params: dict[str, Any] = field(
        metadata={"doc": "the attempt's drawn parameters by name, e.g. ctx.params['product']['sku']"}
    )
    identities: list[dict[str, Any]] = field(
        metadata={"doc": "the candidate's identities, one per world.accounts entry (see Identities)"}
    )
    base_url: str = field(metadata={"doc": "where the sandbox serves, e.g. http://127.0.0.1:40123"})

    @property
    def buyer(self) -> dict[str, Any]:
        """The buyer identity (bank card and passwords)."""
        return next(i for i in self.identities if i["role"] == "buyer")

    def identity(self, role: str) -> dict[str, Any]:
        """The identity of a role (merchant, applicant, teller …)."""
        return next(i for i in self.identities if i["role"] == role)

    def url(self, path: str) -> str:
        """Absolute URL of a sandbox path."""
        return self.base_url + path

    def wait_until_shown(
        self, page: Any, url: str, selector: str, count: int = 1, text: str | None = None, timeout_s: int = 90
    ) -> None:
        """Wait until the page at `url` shows `count` elements matching `selector` (with `text`, only those
        whose text is exactly that), then open it: for what NPCs do on the world clock."""
        wait_until_shown(page, url, selector, count, text, timeout_s)


def wait_until_shown(
    page: Any, url: str, selector: str, count: int = 1, text: str | None = None, timeout_s: int = 90
) -> None:
    """Wait until the page at `url` shows `count` elements matching `selector`, then open it (steps that
    have no SolveContext at hand). The page asks its server as a reload would, and Playwright polls that
    condition every half second."""
    page.wait_for_function(_SHOWN_JS, arg=[url, selector, count, text], polling=500, timeout=timeout_s * 1000)
    page.goto(url)


# A condition Playwright polls: the latest fetch of the URL showed enough matches (one fetch at a time).
_SHOWN_JS = """([url, selector, count, text]) => {
  const state = (window.__sandboxShown ||= {});
  const key = JSON.stringify([url, selector, count, text]);
  if (state[key] === true) return true;
  if (state[key] !== "busy") {
    state[key] = "busy";
    fetch(url, {credentials: "same-origin"}).then((r) => r.text()).then((html) => {
      const found = new DOMParser().parseFromString(html, "text/html").querySelectorAll(selector);
      state[key] = [...found].filter((el) => text === null || el.textContent.trim() === text).length >= count;
    }, () => { state[key] = false; });
  }
  return false;
}"""


def _scenario_folder(path: Path) -> Path | None:
    """The scenario folder a file of it belongs to (its own folder or tests/ in it), if any."""
    for parent in list(Path(path).parents)[:2]:
        if (parent / "scenario.yaml").is_file():
            return parent
    return None


def load_solution(path: Path) -> ModuleType:
    """Import a solution file.

    Solutions import their scenario's helpers by a plain name (`import steps`); helpers another
    scenario's solution imported earlier in this process are forgotten first, so each scenario gets
    its own.
    """
    folder = _scenario_folder(path)
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and name != "__main__":
            owner = _scenario_folder(Path(file))
            if owner is not None and owner != folder:
                del sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        f"solution_{path.parent.parent.name}_{path.stem}".replace("-", "_"), path
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Harness:
    """One Chromium and one loopback server for a batch of attempts."""

    def __init__(self, app: Any) -> None:
        app.config["ALLOW_SIGNED_CANDIDATE_LOGIN"] = True
        self.app = app
        self.rt = app.extensions["sandbox"]
        self.browser = GradingBrowser(app, app.config.get("CHROMIUM", ""))

    def close(self) -> None:
        """Stop the browser and the server."""
        self.browser.close()

    def _staff(self, db: Any) -> Staff:
        staff = db.scalars(select(Staff).where(Staff.username == HARNESS_USER)).first()
        # Nobody logs in as the harness: its password is random and never kept.
        return staff or create_staff(
            db, HARNESS_USER, "自动验证", StaffRole.TRAINEE, secrets.token_urlsafe(24)
        )

    def new_attempt(self, scenario_id: str, seed: int) -> Attempt:
        """A practice attempt with a chosen seed, owned by the harness user."""
        db = self.rt.control.session()
        try:
            scenario = self.rt.scenarios.get(scenario_id)
            return attempt_service.start_attempt(
                self.rt, db, scenario, staff=self._staff(db), mode="practice", seed=seed
            )
        finally:
            db.close()

    def login_path(self, attempt: Attempt, next_path: str = "/exam/") -> str:
        """A signed login acting as the attempt's owner."""
        token = signed_login.issue(self.app.config["SECRET_KEY"], attempt.id, "candidate")
        return f"/signed-login/{token}?next={next_path}"

    def solve(self, attempt: Attempt, solution: Path, trace: Path | None = None) -> None:
        """Run `solve(page, ctx)` from a solution file in a fresh browser context."""
        module = load_solution(solution)
        context = self.browser.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        # A solution only waits for what will come: a generous limit costs nothing on a quick machine and
        # keeps a loaded one (an exam-hall server, CI with every worker busy) from stopping a right solution.
        context.set_default_timeout(SOLUTION_TIMEOUT_MS)
        if trace:
            context.tracing.start(screenshots=True, snapshots=True)
        try:
            page = context.new_page()
            base = self.browser.server.base_url
            page.goto(base + self.login_path(attempt))
            try:
                module.solve(page, SolveContext(attempt.params, attempt.identities, base))
            except Exception:
                # Leave the page as the solution last saw it, for whoever debugs the scenario.
                shot = Path(self.rt.config["DATA_DIR"]) / "failures" / f"{attempt.key}-{solution.stem}.png"
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot), full_page=True)
                self.last_failure = shot
                raise
        finally:
            if trace:
                context.tracing.stop(path=str(trace))
            context.close()

    def submit(self, attempt: Attempt) -> None:
        """Submit without queueing (the harness grades itself)."""
        db = self.rt.control.session()
        try:
            attempt_service.submit(self.rt, db, db.get(Attempt, attempt.id), "candidate", enqueue=False)
        finally:
            db.close()

    def grade(self, attempt: Attempt) -> GradeRun:
        """Grade now with the harness's browser."""
        return grade_attempt(self.rt, attempt.id, "harness", self.browser)


def expected_score(module: ModuleType, scenario: Any) -> float:
    """The score a solution file declares (for the reference solution, full marks of the items the
    grader scores: manual items wait for an examiner and score 0 until then)."""
    automatic = sum(float(i["points"]) for i in scenario.rubric if i["check"]["kind"] != "manual")
    return float(getattr(module, "EXPECTED_SCORE", automatic))
