"""Steps with certificates, shared by the reference and other solutions (everything through the pages)."""

from __future__ import annotations

import re
from typing import Any

REVIEW_WAIT_MS = 60_000  # the RA reviews two world minutes after the application (4 s real)
PASSWORD = "Cert-2026"  # the certificate password this candidate chooses


def holder(ctx: Any) -> dict[str, Any]:
    """The candidate's identity."""
    return ctx.identity("holder")


def apply(page: Any, ctx: Any, **changes: str) -> None:
    """Apply for a personal certificate with the identity's details (or changed ones)."""
    me = holder(ctx)
    values = {
        "name": me["name"],
        "id_number": me["id_number"],
        "email": me["email"],
        "mobile": me["mobile"],
        **changes,
    }
    page.goto(ctx.url("/ca/apply"))
    page.check('[data-role="kind-personal"]')
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


def obtain(page: Any, ctx: Any) -> None:
    """Apply, wait for the approval, download and install the certificate."""
    apply(page, ctx)
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


def partner_serial(page: Any, ctx: Any) -> str:
    """Look the partner up in the CA's directory: the serial number of their valid certificate."""
    page.goto(ctx.url("/ca/directory"))
    page.locator('[data-role="directory-search"] input[name="q"]').fill(ctx.params["partner"]["email"])
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
