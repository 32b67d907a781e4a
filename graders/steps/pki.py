"""Steps with certificates through the pages: apply at the CA, read the codes, download and install the
.p12, send signed or encrypted mail, look a certificate up, revoke, write an answer. The identity is the
one the scenario names `holder` unless a step is given another role."""

from __future__ import annotations

import re
from typing import Any

REVIEW_WAIT_MS = 60_000  # the RA reviews two world minutes after the application (4 s real)
PASSWORD = "Cert-2026"  # the certificate password this candidate chooses


def apply(page: Any, ctx: Any, role: str = "holder", kind: str = "personal", **changes: str) -> None:
    """Apply for a certificate of this kind with the identity's details (or changed ones); an enterprise
    certificate names the identity's company too."""
    me = ctx.identity(role)
    values = {"name": me["name"], "id_number": me["id_number"], "email": me["email"], "mobile": me["mobile"]}
    if kind == "enterprise":
        values.update(org=me["company_name"], credit_code=me["credit_code"])
    values.update(changes)
    page.goto(ctx.url("/ca/apply"))
    page.check(f'[data-role="kind-{kind}"]')
    for field, value in values.items():
        page.fill(f"#{field}", value)
    page.locator('[data-role="apply-submit"]').click()
    page.locator(".flash", has_text="证书申请已提交").wait_for()


def wait_for_approval(page: Any) -> None:
    """Stay on the application's page (it refreshes itself) until the RA has approved it."""
    page.locator('[data-role="application-status"].approved').wait_for(timeout=REVIEW_WAIT_MS)


def codes(page: Any, ctx: Any) -> tuple[str, str]:
    """The reference number and authorisation code from the CA's letter (the newest)."""
    page.goto(ctx.url("/mail/"))
    page.get_by_role("link", name=re.compile("参考号和授权码")).first.click()
    body = page.locator('[data-role="body"]').inner_text()
    ref = re.search(r"参考号：(\S+)", body).group(1)
    code = re.search(r"授权码：(\S+)", body).group(1)
    return ref, code


def download(page: Any, ctx: Any, ref: str, code: str, password: str = PASSWORD) -> dict[str, Any]:
    """Let the CA generate the key and download the .p12; returns it as a file for an upload."""
    page.goto(ctx.url("/ca/download"))
    page.fill("#ref_no", ref)
    page.fill("#auth_code", code)
    page.check('[data-role="mode-p12"]')
    page.fill("#password", password)
    page.fill("#password2", password)
    page.locator('[data-role="download-submit"]').click()
    link = page.locator('[data-role="file-download"]').first
    with page.expect_download() as info:
        link.click()
    download_ = info.value
    return {
        "name": download_.suggested_filename,
        "mimeType": "application/x-pkcs12",
        "buffer": open(download_.path(), "rb").read(),  # noqa: SIM115
    }


def import_p12(page: Any, ctx: Any, file: dict[str, Any], password: str = PASSWORD) -> None:
    """Import the .p12 into the certificate manager."""
    page.goto(ctx.url("/certs/import"))
    page.locator('[data-role="p12-file"]').set_input_files(file)
    page.locator('[data-role="password"]').fill(password)
    page.locator('[data-role="submit"]').click()
    page.locator(".flash", has_text="证书已导入").wait_for()


def obtain(page: Any, ctx: Any, role: str = "holder", kind: str = "personal") -> None:
    """Apply, wait for the approval, download and install the certificate."""
    apply(page, ctx, role, kind)
    wait_for_approval(page)
    ref, code = codes(page, ctx)
    import_p12(page, ctx, download(page, ctx, ref, code))


def send(
    page: Any, ctx: Any, to: str, subject: str, body: str, *, sign: bool = False, encrypt: bool = False
) -> None:
    """Write a mail, signed and/or encrypted, and send it."""
    page.goto(ctx.url("/mail/compose"))
    page.fill("#to", to)
    page.fill("#subject", subject)
    page.fill("#body", body)
    if sign:
        page.check("#sign")
        page.fill("#cert_password", PASSWORD)
    if encrypt:
        page.check("#encrypt")
    page.get_by_role("button", name="发送").click()
    page.locator(".flash", has_text="邮件已发送").wait_for()


def serial_of(page: Any, ctx: Any, email: str) -> str:
    """Look someone up in the CA's directory: the serial number of their valid certificate."""
    page.goto(ctx.url("/ca/directory"))
    page.locator('[data-role="directory-search"] input[name="q"]').fill(email)
    page.locator('[data-role="directory-search"] button').click()
    row = page.locator(
        '[data-role="directory-results"] tr', has=page.locator('[data-role="cert-status"]', has_text="有效")
    )
    return row.first.locator('[data-role="cert-serial"]').inner_text().strip()


def answer(page: Any, ctx: Any, field: str, value: str) -> None:
    """Write an answer on the answer sheet and save it."""
    page.goto(ctx.url("/exam/answers"))
    page.fill(f"#ans-{field}", value)
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()


def revoke(page: Any, ctx: Any, reason: str, password: str) -> None:
    """Revoke the store's (first) certificate at the CA's certificate services, for `reason` (a value of
    the reason list, e.g. key_compromise)."""
    page.goto(ctx.url("/ca/service"))
    page.locator('[data-role="service-form"] #entry').select_option(index=0)
    page.locator('[data-role="service-form"] #password').fill(password)
    page.check('[data-role="action-revoke"]')
    page.locator('[data-role="service-form"] #reason').select_option(reason)
    page.locator('[data-role="service-submit"]').click()
    page.locator(".flash", has_text="已吊销").wait_for()


def choose(page: Any, ctx: Any, answers: dict[str, str]) -> None:
    """Pick answers from the answer sheet's lists and save them."""
    page.goto(ctx.url("/exam/answers"))
    for field, value in answers.items():
        page.select_option(f"#ans-{field}", value)
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()
