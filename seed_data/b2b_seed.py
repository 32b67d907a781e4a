"""The B2B platform's part of a world: NPC supplier and purchaser companies with approved listings (in
the default base), and the candidate's enterprise member (`role: enterprise` in `world.accounts`).

An enterprise identity has a platform login (its e-mail and a derived password, on the task panel) and
no personal bank card. `company: {approved: true}` gives it an approved company with the identity's
company name, a valid credit code, contact, phone and e-mail; the default (`approved: false`) leaves
the profile to the candidate, who fills it in and submits it for review. `company: {bank: <role>}`
makes the company the one of an earlier operator/approver identity (its name, code and enterprise
account, in `bank_account_no`). `cert_login: true` (with an approved company) makes the company require
certificate login: after the password, an enterprise certificate of the company (give the identity one
with `cert: {kind: enterprise}`). Every value is derived from (seed, role, purpose), never drawn.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sandbox.worlds.world import World
from seed_data import bank_seed
from seed_data.fakes import derived_secret

SEED = 1315  # the NPC companies' own generator: adding them moved no other value of the base world

# NPC companies: (name, region, trade role, contact, address, scope, main products)
NPC_COMPANIES = (
    (
        "杭州青禾茶业有限公司",
        "330106",
        "supplier",
        "陈嘉禾",
        "浙江省杭州市西湖区龙井路18号",
        "茶叶种植、加工与销售；预包装食品批发",
        "龙井茶、白茶、茶礼盒",
    ),
    (
        "宁波海曙恒远五金制品有限公司",
        "330203",
        "supplier",
        "李恒远",
        "浙江省宁波市海曙区望春工业园区丰成路66号",
        "五金制品、不锈钢制品的生产与销售；货物进出口",
        "不锈钢保温杯、五金工具、厨具",
    ),
    (
        "东莞市鑫达包装材料有限公司",
        "441900",
        "supplier",
        "黄志鑫",
        "广东省东莞市长安镇振安中路208号",
        "纸制品、塑料包装材料的生产与销售；包装设计",
        "瓦楞纸箱、快递袋、气泡膜",
    ),
    (
        "苏州锦程纺织科技有限公司",
        "320506",
        "supplier",
        "周锦程",
        "江苏省苏州市吴中区木渎镇金山路99号",
        "纺织面料研发、生产与销售；服装加工",
        "全棉面料、涤纶面料、工装",
    ),
    (
        "深圳市启明电子有限公司",
        "440305",
        "supplier",
        "吴启明",
        "广东省深圳市南山区科技园高新南一道9号",
        "电子产品、通信设备的研发与销售",
        "蓝牙耳机、充电宝、数据线",
    ),
    (
        "成都川味源食品有限公司",
        "510107",
        "supplier",
        "刘川",
        "四川省成都市武侯区武科西二路5号",
        "调味品、方便食品的生产与销售",
        "火锅底料、辣椒酱、花椒",
    ),
    (
        "上海优品汇商贸有限公司",
        "310104",
        "purchaser",
        "张文静",
        "上海市徐汇区漕溪北路333号",
        "日用百货、食品的批发与零售；电子商务",
        "日用百货、办公用品",
    ),
    (
        "北京博远办公设备有限公司",
        "110105",
        "purchaser",
        "王博远",
        "北京市朝阳区建国路88号",
        "办公设备、办公用品的销售与租赁",
        "办公家具、办公用品",
    ),
    (
        "武汉安泰餐饮管理有限公司",
        "420106",
        "purchaser",
        "赵安泰",
        "湖北省武汉市武昌区中南路12号",
        "餐饮管理；食品采购与配送",
        "食材、调味品、一次性餐具",
    ),
)

# NPC listings: (company index, kind, title, category, product, spec, quantity, unit, price_fen,
#                validity days, delivery, payment)
NPC_LISTINGS = (
    (
        0,
        "supply",
        "明前龙井绿茶 产地直供 可定制礼盒",
        "食品饮料",
        "龙井茶",
        "特级，250g/罐，真空包装",
        500,
        "罐",
        16800,
        60,
        "杭州发货，下单后3天内",
        "款到发货",
    ),
    (
        0,
        "supply",
        "安吉白茶 2026新茶 批发",
        "食品饮料",
        "白茶",
        "一级，500g/袋",
        300,
        "袋",
        22000,
        30,
        "杭州发货，下单后5天内",
        "款到发货或月结",
    ),
    (
        1,
        "supply",
        "304不锈钢真空保温杯 500ml 可印LOGO",
        "家居用品",
        "保温杯",
        "304不锈钢，500ml，12小时保温",
        5000,
        "个",
        2350,
        90,
        "宁波港自提或物流配送，15天交货",
        "预付30%，发货前付清",
    ),
    (
        1,
        "supply",
        "家用五金工具套装 42件套",
        "五金工具",
        "工具套装",
        "铬钒钢，42件，塑料工具箱",
        2000,
        "套",
        6800,
        60,
        "宁波发货，7天交货",
        "款到发货",
    ),
    (
        2,
        "supply",
        "五层加硬瓦楞纸箱 快递打包箱 批发",
        "包装印刷",
        "瓦楞纸箱",
        "五层BC楞，多种尺寸可定做",
        100000,
        "个",
        120,
        90,
        "东莞发货，3天交货，珠三角包邮",
        "月结30天",
    ),
    (
        2,
        "supply",
        "加厚气泡膜 防震包装卷材",
        "包装印刷",
        "气泡膜",
        "宽50cm，长100m，双层",
        3000,
        "卷",
        3500,
        30,
        "东莞发货，2天交货",
        "款到发货",
    ),
    (
        3,
        "supply",
        "全棉斜纹面料 工装面料 现货",
        "纺织服装",
        "全棉面料",
        "100%棉，21×21，幅宽150cm",
        20000,
        "米",
        1850,
        60,
        "苏州发货，现货3天",
        "预付50%，余款提货前付清",
    ),
    (
        4,
        "supply",
        "TWS蓝牙耳机 工厂批发 支持定制",
        "电子电工",
        "蓝牙耳机",
        "蓝牙5.3，续航24小时，带充电仓",
        10000,
        "个",
        None,
        60,
        "深圳发货，20天交货",
        "面议",
    ),
    (
        4,
        "supply",
        "快充数据线 Type-C 1米",
        "电子电工",
        "数据线",
        "3A快充，TPE材质，长1米",
        50000,
        "根",
        350,
        30,
        "深圳发货，5天交货",
        "款到发货",
    ),
    (
        5,
        "supply",
        "牛油火锅底料 餐饮装 源头工厂",
        "食品饮料",
        "火锅底料",
        "500g/袋，中辣",
        8000,
        "袋",
        1600,
        60,
        "成都发货，冷链可选",
        "款到发货",
    ),
    (
        6,
        "demand",
        "求购 304不锈钢保温杯 3000个",
        "家居用品",
        "保温杯",
        "304不锈钢，400-500ml，需印公司LOGO",
        3000,
        "个",
        2500,
        30,
        "送货至上海徐汇区，30天内",
        "货到验收后付款",
    ),
    (
        6,
        "demand",
        "求购 环保牛皮纸袋 长期采购",
        "包装印刷",
        "牛皮纸袋",
        "120g牛皮纸，带手提绳，32×25×11cm",
        20000,
        "个",
        None,
        60,
        "送货至上海，每月一批",
        "月结",
    ),
    (
        7,
        "demand",
        "求购 人体工学办公椅 200把",
        "家居用品",
        "办公椅",
        "网布靠背，带头枕和扶手，承重120kg以上",
        200,
        "把",
        45000,
        30,
        "送货至北京朝阳区并安装",
        "验收后付款",
    ),
    (
        8,
        "demand",
        "求购 一次性餐盒 食品级",
        "包装印刷",
        "餐盒",
        "PP材质，750ml，可微波",
        100000,
        "个",
        30,
        30,
        "送货至武汉，每周一批",
        "月结30天",
    ),
    (
        8,
        "demand",
        "求购 火锅底料 餐饮装",
        "食品饮料",
        "火锅底料",
        "500g/袋，牛油，中辣",
        5000,
        "袋",
        1500,
        15,
        "送货至武汉武昌区",
        "货到付款",
    ),
)


def populate(w: World) -> None:
    """The platform's NPC companies (approved members with users) and their approved listings."""
    from sandbox.b2b import companies, credit_code, listings, members

    rng = random.Random(SEED)
    made = []
    for n, (name, region, role, contact, address, scope, products) in enumerate(NPC_COMPANIES, start=1):
        code = credit_code.make_code(region, rng.randrange(36**6))
        company = companies.open_company(
            w,
            name=name,
            code=code,
            email=f"b2b{n:03d}@mail.sim",
            npc=True,
            trade_role=role,
            address=address,
            contact_name=contact,
            contact_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            business_scope=scope,
            main_products=products,
        )
        members.open_login(
            w,
            login=f"b2b{n:03d}@mail.sim",
            password=derived_secret(SEED, name, "login"),
            name=contact,
            company=company,
            salt=derived_secret(SEED, name, "salt"),
        )
        made.append(company)
    for row in NPC_LISTINGS:
        index, kind, title, category, product, spec, quantity, unit, price, days, delivery, payment = row
        created = w.now() - timedelta(days=rng.randrange(1, 6), minutes=rng.randrange(600))
        listings.seed_listing(
            w,
            made[index],
            kind=kind,
            title=title,
            category=category,
            product=product,
            spec=spec,
            quantity=quantity,
            unit=unit,
            price_fen=price,
            validity_days=days,
            delivery_terms=delivery,
            payment_terms=payment,
            created_at=created,
        )


def identity_fields(
    seed: int, spec: dict[str, Any], ident: dict[str, Any], earlier: list[dict[str, Any]]
) -> None:
    """Complete an enterprise identity (in place): its company, its platform login, no personal card."""
    if spec["role"] != "enterprise":
        return
    company = spec.get("company") or {}
    same = next((i for i in earlier if company.get("bank") and i["role"] == company["bank"]), None)
    if same is not None:
        ident["company_name"], ident["credit_code"] = same["company_name"], same["credit_code"]
        ident["company_account_no"] = same["account_no"]
    else:
        ident.update(bank_seed.company_fields(seed, "enterprise", ident["address"]))
    if spec.get("cert_login"):
        ident["cert_login"] = True  # the task panel says so; the overlay makes the company require it
    ident["b2b_login"] = ident["email"]
    ident["b2b_password"] = derived_secret(seed, "enterprise", "b2b")
    ident["account_no"] = ident["login_password"] = ident["payment_password"] = ""
    ident["bank_code"] = ident["bank_name"] = ""


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    """The enterprise identities' platform logins, and their approved companies where the spec says so;
    their companies are in the business register (the platform's review checks names against it)."""
    from sandbox.b2b import companies, members
    from sandbox.bank import accounts as bank_accounts
    from sandbox.scenarios.loader import render_value

    specs = [render_value(a, params or {}) for a in accounts or [{} for _ in identities]]
    for ident, spec in zip(identities, specs, strict=False):
        if ident["role"] != "enterprise":
            continue
        bank_accounts.register_company(w, ident["credit_code"], ident["company_name"], ident["id_number"])
        company = None
        if (spec.get("company") or {}).get("approved"):
            company = companies.open_company(
                w,
                name=ident["company_name"],
                code=ident["credit_code"],
                email=ident["email"],
                address=ident["address"],
                contact_name=ident["name"],
                contact_phone=ident["mobile"],
                business_scope="日用百货、五金制品、包装材料的批发与零售；货物进出口",
                main_products="日用百货、五金制品",
                bank_account_no=ident.get("company_account_no", ""),
                cert_login=bool(spec.get("cert_login")),
            )
        elif spec.get("cert_login"):
            raise ValueError("an enterprise account's cert_login needs company: {approved: true}")
        members.open_login(
            w, login=ident["b2b_login"], password=ident["b2b_password"], name=ident["name"], company=company
        )
