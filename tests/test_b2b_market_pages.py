"""The B2B platform's pages: the enterprise member's login, the profile and its review, listings,
browse and search, and refusals (bad input, another company's listing, anonymous visitors)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox.b2b import companies, listings
from sandbox.b2b.company_models import Company, CompanyUser, MembershipStatus
from sandbox.b2b.listing_models import Listing, ListingStatus
from sandbox.worlds.store import open_world

SCENARIO = "b2b-supply-listing"


def start_practice(app, rt, scenario_id: str = SCENARIO):  # noqa: ANN001, ANN201
    """A trainee's practice attempt of a scenario: the client (logged in to it) and the attempt."""
    from sandbox.control.models import Attempt

    client = app.test_client()
    resp = client.post("/staff/login", data={"username": "trainee", "password": "train1234"})
    assert resp.status_code == 302
    assert client.post(f"/practice/start/{scenario_id}").status_code == 302
    with client.session_transaction() as sess:
        attempt_id = sess["attempt_id"]
    db = rt.control.session()
    attempt = db.get(Attempt, attempt_id)
    db.close()
    return client, attempt


def world(client, write: bool = False):  # noqa: ANN001, ANN201
    """The client's world (read-only unless `write`)."""
    return open_world(client.attempt.world_path, read_only=not write)


@pytest.fixture
def member(app, rt, exam):  # noqa: ANN001, ANN201
    """A practice attempt of b2b-supply-listing, signed in to the platform as the enterprise identity."""
    client, attempt = start_practice(app, rt)
    client.attempt = attempt
    client.ident = next(i for i in attempt.identities if i["role"] == "enterprise")
    resp = client.post(
        "/b2b/login", data={"login": client.ident["b2b_login"], "password": client.ident["b2b_password"]}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client


def profile(ident: dict, **changes: str) -> dict[str, str]:
    """A valid profile form for the identity's company, with changes."""
    return {
        "name": ident["company_name"],
        "credit_code": ident["credit_code"],
        "address": ident["address"],
        "contact_name": ident["name"],
        "contact_phone": ident["mobile"],
        "business_scope": "日用百货、厨房用品的批发与零售；货物进出口",
        "main_products": "日用百货、厨房用品",
        "certificates": "",
        "action": "submit",
        **changes,
    }


def review_all(client) -> None:  # noqa: ANN001
    """The platform reviews every waiting profile and listing now."""
    w = world(client, write=True)
    for company in companies.pending_companies(w):
        companies.review(w, company)
    for listing in listings.pending_listings(w):
        listings.review(w, listing)
    w.commit()
    w.close()


def approve(client) -> None:  # noqa: ANN001
    """Submit the profile and have it approved."""
    assert client.post("/b2b/member/profile", data=profile(client.ident)).status_code == 302
    review_all(client)


def offer(**changes: str) -> dict[str, str]:
    """A valid supply listing form, with changes."""
    return {
        "kind": "supply",
        "title": "不锈钢真空保温杯 1000ml 户外运动款",
        "category": "家居用品",
        "product": "不锈钢保温杯",
        "spec": "304不锈钢内胆，500ml",
        "quantity": "3000",
        "unit": "个",
        "price": "26.80",
        "validity_days": "30",
        "delivery_terms": "下单后15天内发货",
        "payment_terms": "款到发货",
        "description": "",
        **changes,
    }


def test_login_home_and_identity(member) -> None:  # noqa: ANN001
    page = member.get("/b2b/").get_data(as_text=True)
    assert 'data-role="my-company"' in page and member.ident["name"] in page
    assert 'data-role="latest-supply"' in page and "保温杯" in page  # the NPC suppliers' listings
    assert member.ident["account_no"] == "" and member.ident["company_name"]


def test_profile_submitted_reviewed_and_mailed(member) -> None:  # noqa: ANN001
    from sandbox.mail.models import Message

    resp = member.post("/b2b/member/profile", data=profile(member.ident))
    assert resp.status_code == 302
    page = member.get("/b2b/member/profile").get_data(as_text=True)
    assert 'data-state="pending"' in page and 'http-equiv="refresh"' in page
    review_all(member)
    page = member.get("/b2b/member/profile").get_data(as_text=True)
    assert 'data-state="approved"' in page
    w = world(member)
    letters = [m for m in w.db.scalars(select(Message)) if "企业会员认证已通过" in (m.subject or "")]
    w.close()
    assert letters


def test_profile_with_a_wrong_check_character_is_refused(member) -> None:  # noqa: ANN001
    code = member.ident["credit_code"]
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    resp = member.post("/b2b/member/profile", data=profile(member.ident, credit_code=wrong))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "统一社会信用代码校验位不正确，请核对营业执照" in page and 'data-error-for="credit_code"' in page
    w = world(member)
    user = w.db.scalars(select(CompanyUser).where(CompanyUser.login == member.ident["b2b_login"])).one()
    assert user.company is None  # nothing saved
    w.close()


def test_rejected_profile_is_corrected_and_resubmitted(member) -> None:  # noqa: ANN001
    short = member.ident["company_name"].replace("有限公司", "公司")
    assert member.post("/b2b/member/profile", data=profile(member.ident, name=short)).status_code == 302
    review_all(member)
    page = member.get("/b2b/member/profile").get_data(as_text=True)
    assert 'data-state="rejected"' in page and "工商登记信息不符" in page
    assert member.post("/b2b/member/profile", data=profile(member.ident)).status_code == 302
    review_all(member)
    w = world(member)
    company = w.db.scalars(select(Company).where(Company.name == member.ident["company_name"])).one()
    assert company.status == MembershipStatus.APPROVED
    w.close()


def test_profile_under_review_cannot_change(member) -> None:  # noqa: ANN001
    assert member.post("/b2b/member/profile", data=profile(member.ident)).status_code == 302
    resp = member.post("/b2b/member/profile", data=profile(member.ident, contact_name="别人"))
    assert resp.status_code == 409 and "审核结束前不能修改" in resp.get_data(as_text=True)


def test_posting_needs_an_approved_membership(member) -> None:  # noqa: ANN001
    resp = member.post("/b2b/member/offers/new", data=offer())
    assert resp.status_code == 302 and "/b2b/" in resp.headers["Location"]
    w = world(member)
    assert not list(w.db.scalars(select(Listing).where(Listing.title == offer()["title"])))
    w.close()


def test_listing_posted_reviewed_found_and_taken_down(member) -> None:  # noqa: ANN001
    approve(member)
    assert member.post("/b2b/member/offers/new", data=offer()).status_code == 302
    review_all(member)
    page = member.get("/b2b/member/offers").get_data(as_text=True)
    assert 'data-state="published"' in page
    found = member.get("/b2b/offers?q=不锈钢保温杯&kind=supply").get_data(as_text=True)
    assert offer()["title"] in found and "¥26.80" in found and member.ident["company_name"] in found
    cheap = member.get("/b2b/offers?q=保温杯&max=20").get_data(as_text=True)
    assert offer()["title"] not in cheap  # the price filter
    w = world(member)
    listing = w.db.scalars(select(Listing).where(Listing.title == offer()["title"])).one()
    w.close()
    detail = member.get(f"/b2b/offer/{listing.id}").get_data(as_text=True)
    assert listing.number in detail and member.ident["company_name"] in detail
    assert member.post(f"/b2b/member/offers/{listing.id}/withdraw").status_code == 302
    assert member.get(f"/b2b/offer/{listing.id}").status_code == 404
    assert offer()["title"] not in member.get("/b2b/offers?q=保温杯").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"price": "26.805"}, "price", "金额必须是数字，最多两位小数"),
        ({"price": "abc"}, "price", "金额必须是数字，最多两位小数"),
        ({"price": "0"}, "price", "单价须大于0"),
        ({"price": ""}, "price", "请填写单价，或选择“面议”"),
        ({"quantity": "3.5"}, "quantity", "数量须为正整数"),
        ({"quantity": "０３"}, "quantity", "数量须为正整数"),  # full-width digits
        ({"unit": "<script>"}, "unit", "请选择计量单位"),
        ({"kind": "rent"}, "kind", "请选择信息类型（供应或求购）"),
        ({"validity_days": "365"}, "validity_days", "请选择信息有效期"),
        ({"title": "x" * 41}, "title", "标题须为6-40个字"),
    ],
)
def test_bad_listing_input_is_refused_and_changes_nothing(member, changes, field, message) -> None:  # noqa: ANN001
    approve(member)
    resp = member.post("/b2b/member/offers/new", data=offer(**changes))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "供求信息填写有误" in page and f'data-error-for="{field}"' in page and message in page
    w = world(member)
    assert not list(w.db.scalars(select(Listing).where(Listing.company.has(Company.npc.is_(False)))))
    w.close()


def test_bad_image_is_refused(member) -> None:  # noqa: ANN001
    import io

    approve(member)
    data = {**offer(), "images": (io.BytesIO(b"<svg onload=alert(1)></svg>"), "cup.svg")}
    resp = member.post("/b2b/member/offers/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400 and "不支持 SVG 图片" in resp.get_data(as_text=True)


def test_image_uploaded_and_served_inertly(member) -> None:  # noqa: ANN001
    import io

    from PIL import Image as PILImage

    approve(member)
    out = io.BytesIO()
    PILImage.new("RGB", (64, 64), (200, 80, 0)).save(out, "PNG")
    data = {**offer(), "images": (io.BytesIO(out.getvalue()), "cup.png")}
    assert (
        member.post("/b2b/member/offers/new", data=data, content_type="multipart/form-data").status_code
        == 302
    )
    w = world(member)
    listing = w.db.scalars(select(Listing).where(Listing.title == offer()["title"])).one()
    image_id = listing.images[0].id
    w.close()
    resp = member.get(f"/b2b/image/{image_id}")  # the owner sees it while it is reviewed
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_another_companys_listing_is_not_reachable(member) -> None:  # noqa: ANN001
    approve(member)
    w = world(member)
    theirs = w.db.scalars(select(Listing).where(Listing.company.has(Company.npc.is_(True)))).first()
    before = (theirs.title, theirs.status)
    w.close()
    assert member.get(f"/b2b/member/offers/{theirs.id}/edit").status_code == 404
    assert member.post(f"/b2b/member/offers/{theirs.id}/edit", data=offer()).status_code == 404
    assert member.post(f"/b2b/member/offers/{theirs.id}/withdraw").status_code == 404
    assert member.post(f"/b2b/member/offers/{theirs.id}/renew").status_code == 404
    w = world(member)
    assert (w.db.get(Listing, theirs.id).title, w.db.get(Listing, theirs.id).status) == before
    w.close()


def test_anonymous_visitor_browses_but_cannot_post(app, rt, exam) -> None:  # noqa: ANN001
    client, attempt = start_practice(app, rt)
    assert client.get("/b2b/").status_code == 200
    page = client.get("/b2b/offers?kind=demand").get_data(as_text=True)
    assert "求购" in page and 'data-role="results"' in page
    assert client.get("/b2b/offers?min=abc").status_code == 400
    resp = client.post("/b2b/member/offers/new", data=offer())
    assert resp.status_code == 302 and "/b2b/login" in resp.headers["Location"]
    assert client.get("/b2b/member/profile").status_code == 302
    client.attempt = attempt
    w = world(client)
    assert not list(w.db.scalars(select(Listing).where(Listing.title == offer()["title"])))
    w.close()


def test_wrong_password_is_refused(app, rt, exam) -> None:  # noqa: ANN001
    client, attempt = start_practice(app, rt)
    ident = next(i for i in attempt.identities if i["role"] == "enterprise")
    resp = client.post("/b2b/login", data={"login": ident["b2b_login"], "password": "nope"})
    assert resp.status_code == 401 and "账号或密码错误" in resp.get_data(as_text=True)


def test_expired_listing_says_so_and_is_renewed(member) -> None:  # noqa: ANN001
    from datetime import timedelta

    approve(member)
    assert member.post("/b2b/member/offers/new", data=offer(validity_days="7")).status_code == 302
    review_all(member)
    w = world(member, write=True)
    listing = w.db.scalars(select(Listing).where(Listing.title == offer()["title"])).one()
    listing.valid_until = w.now() - timedelta(minutes=1)  # as if eight days had passed
    listing_id = listing.id
    w.commit()
    w.close()
    page = member.get("/b2b/member/offers").get_data(as_text=True)
    assert 'data-state="expired"' in page and "已过期" in page
    assert member.get(f"/b2b/offer/{listing_id}").status_code == 404
    assert member.post(f"/b2b/member/offers/{listing_id}/renew").status_code == 302
    assert member.get(f"/b2b/offer/{listing_id}").status_code == 200
    w = world(member)
    assert w.db.get(Listing, listing_id).status == ListingStatus.PUBLISHED
    w.close()
