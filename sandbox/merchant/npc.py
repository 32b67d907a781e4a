"""NPC actions of the seller centre: the platform reviews shop applications; a designer sends the
decoration kit.

`platform.review_shop` on `shop.applied` reviews that application, at once or `after` a delay counted
from the application (the scheduled review is the platform's step `platform.review_step`); as an `at:`
rule it reviews every application waiting. `designer.send_assets` mails every merchant without a
published shop a logo and a banner to upload.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sandbox.errors import N_, DomainError
from sandbox.mail import services as mail
from sandbox.merchant import design_kit, shops
from sandbox.merchant.models import ApplicationStatus, SellerAccount
from sandbox.storefront.models import ShopStatus
from sandbox.worlds.base import Event
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.npc import npc_action, schedule
from sandbox.worlds.world import World

REVIEW_STEP = "platform.review_step"
DESIGNER_MAILBOX = "studio@yuntu-design.mail.sim"
DESIGNER_NAME = "云图设计工作室"


@npc_action("platform.review_shop")
def review_shop(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The platform reviews a shop application (the triggering one, or every one waiting), at once or
    `after` a delay such as +5m; it approves or rejects with a reason and mails the merchant."""
    raw = args.get("after")
    try:
        delay = parse_offset(str(raw)) if raw else None
    except ValueError:
        raise DomainError(N_("after 必须形如 +30m、+2h 或 +1d")) from None
    if trigger is not None and "application_id" in trigger.payload:
        targets = [shops.get_application(w, trigger.payload["application_id"])]
        since = trigger.at
    else:
        targets, since = shops.pending_applications(w), w.now()
    for application in targets:
        if delay:
            schedule(w, since + delay, REVIEW_STEP, application_id=application.id)
        elif application.status == ApplicationStatus.SUBMITTED:
            shops.review(w, application)


@npc_action(REVIEW_STEP, for_rules=False)
def review_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The platform's scheduled review of one application (if it still waits)."""
    application = shops.get_application(w, args.get("application_id"))
    if application.status == ApplicationStatus.SUBMITTED:
        shops.review(w, application)


@npc_action("designer.send_assets")
def send_assets(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """A designer mails each merchant without a published shop its logo (logo.png) and banner
    (banner.png) to upload when decorating the shop."""
    sender = mail.open_mailbox(w, DESIGNER_MAILBOX, DESIGNER_NAME)
    for seller in w.db.scalars(select(SellerAccount).order_by(SellerAccount.id)):
        if not seller.email or mail.mailbox_by_address(w, seller.email) is None:
            continue
        if seller.shop is not None and seller.shop.status != ShopStatus.DRAFT:
            continue
        mail.send(
            w,
            sender,
            [seller.email],
            "店铺装修素材：店标和店招",
            f"{seller.name}，您好：\n\n您订制的店铺装修素材已设计完成，见附件：\n"
            "· logo.png —— 店标（240×240 像素）\n· banner.png —— 店招（1200×300 像素）\n\n"
            f"请在卖家中心的“店铺装修”中上传。\n\n{DESIGNER_NAME}",
            attachments=[
                mail.Attachment("logo.png", "image/png", design_kit.logo_png(seller.login)),
                mail.Attachment("banner.png", "image/png", design_kit.banner_png(seller.login)),
            ],
            actor="system",
        )
