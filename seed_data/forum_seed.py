"""The forum's part of a world: the boards with their rules, NPC members, and threads with replies in
realistic Chinese (the base world), and a forum account for each of the candidate's identities.

Threads are about the world's own goods and companies: the B2B platform's NPC suppliers and buyers post
their supply and demand (供求信息), shops promote their goods (网店推广), and members share news and
experience. Everything is drawn from `random.Random(f"forum-{seed}")`, so the same seed gives the same
forum, and nothing drawn elsewhere moved.

A candidate's identity signs in with its e-mail and its 云鹊通行证 password (the identity's
`platform_password`, shown on the task panel): no new identity field.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sandbox.worlds.world import World
from seed_data.b2b_seed import NPC_COMPANIES, NPC_LISTINGS

# (slug, name, description, title tags, contact details allowed in the body, promotion, daily limit)
BOARDS = (
    ("trade", "供求信息", "发布供应、求购信息，寻找货源与客户", ["【供应】", "【求购】"], True, False, 0),
    ("news", "行业资讯", "行业动态、市场行情与政策解读", [], False, False, 0),
    ("promotion", "网店推广", "网店、新品与促销活动推广专区", [], True, True, 1),
    ("talk", "经验交流", "开店运营、采购与物流经验分享", [], False, False, 0),
)
NICKNAMES = (
    "义乌小商品老王",
    "杭州茶人阿禾",
    "包装材料小李",
    "电商运营阿杰",
    "深圳数码仓",
    "苏州面料周工",
    "成都吃货研究所",
    "上海采购张姐",
    "武汉餐饮老赵",
    "北京办公用品博远",
    "新手卖家小林",
    "跨境小白",
    "物流达人老陈",
    "美工设计Mia",
    "宁波五金阿远",
    "东莞纸箱厂黄总",
)
NEWS = (
    (
        "{month}月{category}线上零售额同比增长，中小商家迎来新机会",
        "据行业协会最新统计，{month}月{category}类目线上零售额同比增长{pct}%，其中{product}等单品"
        "表现突出。业内人士认为，消费需求回暖叠加平台扶持政策，中小商家可重点关注细分市场和复购率。",
    ),
    (
        "{product}批发价近期小幅上涨，采购商提前备货",
        "近两周{product}的主流批发价较上月上涨约{pct}%，主要受原材料和物流成本影响。多家采购商表示将"
        "提前备货，建议买家比较多家供应商报价，注意报价日期和起订量。",
    ),
    (
        "电子商务法实施以来，平台经营者主体责任进一步明确",
        "电子商务经营者应当依法办理市场主体登记、履行纳税义务，并在首页显著位置公示营业执照信息。"
        "发布商品信息须真实、准确，不得使用“最”“第一”等绝对化用语，不得进行虚假宣传。",
    ),
    (
        "快递行业旺季临近，多家快递公司调整{region}地区时效",
        "随着促销旺季临近，多家快递企业发布通知，{region}部分地区派送时效将延长1至2天。商家可提前"
        "与物流服务商沟通，合理设置发货时间，并在商品页说明预计送达时间。",
    ),
    (
        "2025年{category}行业价格监测报告（已过期数据，仅供参考）",
        "本报告数据截至2025年底，{product}平均批发价为{price}元。由于市场变化较快，请以最新报价为准。",
    ),
)
TALK = (
    (
        "新手开网店，商品主图怎么拍更吸引人？",
        "刚开店卖{product}，自己用手机拍的主图点击率很低。请教各位：背景用什么颜色好？需要拍细节图吗？",
        [
            "主图建议白底，主体占画面七成以上，再加两三张细节图和使用场景图。",
            "可以参考同类目销量高的店铺，但不要盗图。",
        ],
    ),
    (
        "分享：在B2B平台发布供求信息总被驳回的几个原因",
        "总结一下我踩过的坑：标题里留了电话，被驳回；写了“全网最低价”，被驳回；单价单位填错，也被驳回。"
        "联系方式写在企业资料里就行，标题写清楚产品名称、规格和卖点。",
        ["很实用，上次我就是标题里写了微信号。", "补充一条：价格要和计量单位对应，按箱卖就别填按个的价。"],
    ),
    (
        "小件商品发快递，选哪家性价比高？",
        "主要发{product}这类小件，每天二三十单，发{region}比较多，大家都用哪家快递？首重多少钱？",
        ["量不大的话可以找当地网点谈月结价。", "偏远地区记得单独设置运费模板。"],
    ),
    (
        "采购时如何判断供应商报价是否靠谱？",
        "最近在找{product}的供应商，网上报价差别很大，有的比市场价低一半。大家一般怎么核实？",
        ["看报价日期，很多是一两年前的旧报价。", "要求对方提供营业执照，再到企业信用信息公示系统查一下。"],
    ),
    (
        "邮件营销要注意什么？别被当成垃圾邮件",
        "准备给老客户发新品通知邮件，听说随便群发会被投诉，有什么注意事项？",
        ["只发给同意订阅的客户，邮件里一定要有退订链接。", "标题别太夸张，少用感叹号。"],
    ),
)
PROMOS = (
    (
        "{shop}新品上架，{product}限时包邮",
        "{shop}新到一批{product}，品质有保障。活动期间全场包邮，进店领券满199减20，欢迎选购！",
    ),
    (
        "{shop}周年庆，{category}好物低至八折",
        "感谢新老顾客支持，{shop}周年庆活动进行中：{product}等{category}商品限时打折，下单即送小礼品。",
    ),
    (
        "推荐一家靠谱的{category}小店：{shop}",
        "在{shop}买过几次{product}，发货快、包装好，客服态度也不错。店铺最近有满减活动，需要的可以看看。",
    ),
)
CONTACTS = ("王先生", "李女士", "陈经理", "刘小姐", "赵经理", "周先生")
REGIONS = ("新疆、西藏", "内蒙古", "华东", "华南", "西南", "东北")
TRADE_REPLIES = (
    "请问可以寄样品吗？",
    "量大的话价格还能优惠吗？",
    "已私信，麻烦发一下详细报价单。",
    "请问支持开增值税专用发票吗？",
    "发货地在哪里？到{region}运费怎么算？",
    "我们长期需要，可以先小批量试单吗？",
)


def populate(w: World, seed: int) -> None:
    """The boards, NPC members, and published threads with replies (the same seed gives the same)."""
    from sandbox.forum import services
    from sandbox.forum.models import Board
    from sandbox.mail import services as mail
    from sandbox.storefront.models import Category, Product, Shop

    rng = random.Random(f"forum-{seed}")
    mail.open_mailbox(w, services.MODERATOR_MAILBOX, services.MODERATOR_NAME)
    boards = {}
    for position, (slug, name, description, tags, contact, promotion, daily) in enumerate(BOARDS, start=1):
        boards[slug] = Board(
            slug=slug,
            name=name,
            description=description,
            position=position,
            title_tags=tags,
            contact_in_body=contact,
            promotion=promotion,
            daily_limit=daily,
        )
        w.db.add(boards[slug])
    w.db.flush()
    now = w.now()
    members = []
    for n, nickname in enumerate(NICKNAMES, start=1):
        user = services.open_member(
            w, login=f"member{n:03d}@bbs.yunshang.cn", nickname=nickname, password=None
        )
        user.created_at = now - timedelta(days=rng.randrange(60, 400))
        members.append(user)
    shops = list(w.db.scalars(select(Shop).order_by(Shop.id)))
    products = list(w.db.scalars(select(Product).order_by(Product.id)))
    categories = {c.id: c.name for c in w.db.scalars(select(Category))}

    def when(low: int, high: int) -> Any:
        return now - timedelta(days=rng.randrange(low, high), minutes=rng.randrange(1, 1440))

    def replies(thread: Any, texts: list[str], author: Any) -> None:
        at = thread.created_at
        for text in texts:
            at = at + timedelta(minutes=rng.randrange(20, 2000))
            if at >= now:
                break
            who = rng.choice([m for m in members if m is not author])
            services.seed_reply(w, thread, who, body=text.format(region=rng.choice(REGIONS)), at=at)

    # 供求信息: the B2B platform's NPC companies' supply and demand (contact details allowed in the body).
    trade_posts = []
    for row in NPC_LISTINGS:
        index, kind, title, _category, product, spec, quantity, unit, price, _days, delivery, payment = row
        company, contact = NPC_COMPANIES[index][0], NPC_COMPANIES[index][3]
        plain = title.removeprefix("求购").removeprefix("供应").strip()
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        quote = "面议" if price is None else f"{price / 100:.2f}元/{unit}"
        if kind == "supply":
            subject = f"【供应】{plain}"[:40]
            body = (
                f"{company}长期供应{product}，{spec}。现货{quantity}{unit}，参考价{quote}，"
                f"量大可议。{delivery}，{payment}。\n联系人：{contact}，电话 {phone}。"
            )
        else:
            subject = f"【求购】{plain}"[:40]
            body = (
                f"{company}求购{product}，{spec}，需求量{quantity}{unit}，目标价{quote}。"
                f"{delivery}，{payment}。请有货源的厂家报价。\n联系人：{contact}，电话 {phone}。"
            )
        trade_posts.append((subject, body, [company, product]))
    for product in rng.sample(products, 8):
        shop = product.shop
        subject = f"【供应】{product.name}"[:40]
        body = (
            f"{shop.name}批发{product.name}，支持一件代发和批量采购，批量价请来电咨询。"
            f"\n联系人：{rng.choice(CONTACTS)}，电话 1{rng.choice('3589')}{rng.randrange(10**9):09d}。"
        )
        trade_posts.append((subject, body, [shop.name, product.name]))
    for subject, body, names in trade_posts:
        author = rng.choice(members)
        thread = services.seed_thread(
            w, boards["trade"], author, title=subject, body=body, at=when(1, 40), names=names
        )
        replies(thread, rng.sample(TRADE_REPLIES, rng.randrange(0, 3)), author)

    # 行业资讯: news, some outdated on purpose (the 2025 report).
    for title, body in NEWS:
        for _ in range(2):
            product = rng.choice(products)
            fields = {
                "month": rng.randrange(1, 3),
                "category": categories[product.category_id],
                "product": product.name,
                "pct": rng.randrange(3, 19),
                "region": rng.choice(REGIONS),
                "price": rng.randrange(20, 400),
            }
            author = rng.choice(members)
            thread = services.seed_thread(
                w,
                boards["news"],
                author,
                title=title.format(**fields)[:40],
                body=body.format(**fields),
                at=when(3, 90),
                names=[product.name],
            )
            if "{" not in title:
                break

    # 网店推广: shops promote their goods (promotion belongs here).
    for shop in rng.sample(shops, min(6, len(shops))):
        goods = [p for p in products if p.shop_id == shop.id] or products
        product = rng.choice(goods)
        title, body = rng.choice(PROMOS)
        fields = {"shop": shop.name, "product": product.name, "category": categories[product.category_id]}
        author = rng.choice(members)
        thread = services.seed_thread(
            w,
            boards["promotion"],
            author,
            title=title.format(**fields)[:40],
            body=body.format(**fields),
            at=when(1, 20),
            names=[shop.name, product.name],
        )
        replies(thread, rng.sample(["已收藏店铺。", "价格还可以，下单试试。", "请问发什么快递？"], 1), author)

    # 经验交流: members share experience, with replies.
    for title, body, answers in TALK:
        product = rng.choice(products)
        fields = {"product": product.name, "region": rng.choice(REGIONS)}
        author = rng.choice(members)
        thread = services.seed_thread(
            w, boards["talk"], author, title=title, body=body.format(**fields), at=when(2, 30)
        )
        replies(thread, answers, author)
    w.db.flush()


def identity_fields(seed: int, spec: dict[str, Any], ident: dict[str, Any]) -> None:
    """No field of its own: the forum account is the identity's e-mail and 云鹊通行证 password."""


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None,
    params: dict[str, Any] | None,
) -> None:
    """A forum account for every identity with an e-mail (its nickname is the identity's name)."""
    from sandbox.forum import services

    for ident in identities:
        if not ident.get("email") or not ident.get("platform_password"):
            continue
        if services.member_by_login(w, ident["email"]) is None:
            services.open_member(
                w,
                login=ident["email"],
                nickname=ident["name"],
                password=ident["platform_password"],
                role=ident["role"],
            )
