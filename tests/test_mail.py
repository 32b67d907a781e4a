"""Mailbox: every identity has an address and a webmail; systems and candidates send mail in the world."""

from __future__ import annotations

import io

from sqlalchemy import select

from sandbox.mail import services as mail
from sandbox.mail.models import Folder, Mailbox, Message


def _identity(candidates, client) -> dict:  # noqa: ANN001
    return candidates.attempt_of(client).identities[0]


def _send(client, to: str, subject: str = "你好", body: str = "正文", **files):  # noqa: ANN001, ANN003, ANN202
    return client.post(
        "/mail/compose",
        data={"to": to, "subject": subject, "body": body, **files},
        content_type="multipart/form-data",
    )


def test_every_identity_has_a_mailbox_with_the_banks_welcome(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    ident = _identity(candidates, client)
    assert ident["email"].endswith("@mail.sim")
    page = client.get("/mail/").get_data(as_text=True)
    assert ident["email"] in page and "开户成功通知" in page and 'data-role="unread">1<' in page
    assert 'data-app="mail"' in client.get("/exam/").get_data(as_text=True)
    w = candidates.world(client)
    box = mail.mailbox_by_address(w, ident["email"])
    (welcome,) = mail.folder(w, box, Folder.INBOX)
    w.close()
    page = client.get(f"/mail/m/{welcome.id}").get_data(as_text=True)
    shown = page.split('data-role="mail"')[1].split("</div>")[0]
    # The card number is masked in the notice (the task panel shows it in full), and opening it reads it.
    assert ident["account_no"][-4:] in shown and ident["account_no"] not in shown
    assert 'data-role="unread"' not in client.get("/mail/").get_data(as_text=True)


def test_send_to_a_shop_with_an_attachment(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    resp = _send(
        client,
        "shop001@mail.sim；SHOP002@mail.sim",
        subject="询价",
        body="请报价，谢谢。",
        attachment=(io.BytesIO(b"<html><script>alert(1)</script></html>"), "需求.html"),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    sent = client.get("/mail/sent").get_data(as_text=True)
    assert "询价" in sent and "shop001@mail.sim, shop002@mail.sim" in sent
    w = candidates.world(client)
    copies = list(w.db.scalars(select(Message).where(Message.subject == "询价")))
    shop = mail.mailbox_by_address(w, "shop001@mail.sim")
    ev = w.events("mail.sent")[-1]
    w.close()
    assert sorted(c.folder for c in copies) == ["inbox", "inbox", "sent"]
    assert any(c.mailbox_id == shop.id and not c.is_read for c in copies)
    assert ev.payload["to"] == ["shop001@mail.sim", "shop002@mail.sim"] and ev.actor == "candidate"
    mine = next(c for c in copies if c.folder == "sent")
    page = client.get(f"/mail/m/{mine.id}").get_data(as_text=True)
    assert "请报价" in page and "需求.html" in page
    download = client.get(f"/mail/m/{mine.id}/attachments/0")
    assert download.status_code == 200 and download.data.startswith(b"<html><script>")
    assert download.mimetype == "application/octet-stream"
    assert "attachment" in download.headers["Content-Disposition"]
    assert client.get(f"/mail/m/{mine.id}/attachments/1").status_code == 404


def test_html_mail_is_sanitised_on_display(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    ident = _identity(candidates, client)
    w = candidates.world(client, read_only=False)
    sender = mail.mailbox_by_address(w, "shop001@mail.sim")
    mail.send(
        w,
        sender,
        [ident["email"]],
        "促销",
        "纯文本",
        html='<p onclick="steal()">满100减20<script>alert(1)</script><img src=x onerror=alert(2)></p>',
    )
    w.commit()
    message_pk = w.db.scalars(
        select(Message.id).where(Message.subject == "促销", Message.folder == Folder.INBOX)
    ).first()
    w.close()
    page = client.get(f"/mail/m/{message_pk}").get_data(as_text=True)
    assert "满100减20" in page
    assert "<script>alert(1)" not in page and "onerror" not in page and "onclick" not in page


def test_bad_mail_is_refused_and_changes_nothing(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    w = candidates.world(client)
    before = w.db.scalar(select(Message.id).order_by(Message.id.desc()))
    w.close()
    cases = [
        ("", "请填写收件人"),
        ("nobody@mail.sim", "收件人不存在"),
        ("someone@gmail.com", "收件人不存在"),
        (",".join(f"shop{n:03d}@mail.sim" for n in range(1, 13)), "收件人不能超过"),
    ]
    for to, message in cases:
        resp = _send(client, to)
        assert resp.status_code == 400 and message in resp.get_data(as_text=True), to
    assert _send(client, "shop001@mail.sim", subject="x" * 201).status_code == 400
    w = candidates.world(client)
    assert w.db.scalar(select(Message.id).order_by(Message.id.desc())) == before
    w.close()


def test_one_cannot_read_another_mailbox(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    w = candidates.world(client)
    shop = mail.mailbox_by_address(w, "shop001@mail.sim")
    w.close()
    _send(client, "shop001@mail.sim", subject="给商家")
    w = candidates.world(client)
    theirs = w.db.scalars(
        select(Message.id).where(Message.mailbox_id == shop.id, Message.folder == Folder.INBOX)
    ).first()
    w.close()
    assert client.get(f"/mail/m/{theirs}").status_code == 404
    assert client.get(f"/mail/m/{theirs}/attachments/0").status_code == 404
    assert client.post("/mail/switch", data={"address": "shop001@mail.sim"}).status_code == 404


def test_mail_after_submission_is_read_only(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    assert client.post("/exam/submit", data={"confirm": "yes"}).status_code == 302
    assert client.get("/mail/").status_code == 200
    assert _send(client, "shop001@mail.sim").status_code == 403
    w = candidates.world(client)
    welcome = w.db.scalars(select(Message).where(Message.folder == Folder.INBOX)).first()
    mailbox_of_welcome = w.db.get(Mailbox, welcome.mailbox_id).address
    w.close()
    assert mailbox_of_welcome.startswith("buyer.")
    assert client.get(f"/mail/m/{welcome.id}").status_code == 200  # reading changes nothing now
