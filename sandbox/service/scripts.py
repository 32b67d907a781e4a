"""Buyer scripts: what an NPC buyer says and how the seller's replies move the chat on (rules only).

A script is data: `start` names the first node; each node has the buyer's message `say` and either
`end` (the outcome the chat ends with) or `branches`, tried in order on the seller's replies since the
buyer last spoke: `{"any": [words], "goto": node}` matches when any word appears. No branch matching
goes to the node's `default` if it has one; otherwise the buyer repeats `nudge` and loses patience
(after `patience` misses the buyer leaves: outcome `lost`). `transfer` names the node the buyer moves
to when the seller transfers the chat to after-sales (the refund and complaint scripts). A scenario may
give its own script, in this shape, as the `script` argument of `service.buyer_arrives`.
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import N_, DomainError
from sandbox.service.models import Outcome

DEFAULT_PATIENCE = 2
DEFAULT_DELAY = (15, 45)  # world seconds the buyer takes to answer
LEAVE = "好吧，问了半天也没个准话，我去别家看看。"
ENDINGS = (Outcome.RESOLVED, Outcome.ORDER_PLACED, Outcome.REFUND_HANDLED, Outcome.LOST)

BUILTIN: dict[str, dict[str, Any]] = {
    "stock": {
        "title": "咨询库存",
        "start": "ask",
        "nodes": {
            "ask": {
                "say": "你好，请问这款现在有货吗？今天拍能发吗？",
                "branches": [
                    {"any": ["有货", "现货", "有库存", "库存充足"], "goto": "buy"},
                    {"any": ["没货", "缺货", "售罄", "无货", "到货"], "goto": "wait"},
                ],
                "nudge": "在吗？到底有没有现货呀？",
            },
            "buy": {"say": "太好了，那我现在就拍下，麻烦尽快发货哦。", "end": Outcome.ORDER_PLACED},
            "wait": {"say": "好的，那我等到货再来买，谢谢。", "end": Outcome.RESOLVED},
        },
    },
    "size": {
        "title": "尺码建议",
        "start": "ask",
        "nodes": {
            "ask": {
                "say": "我身高165，体重52公斤，平时穿M，这件T恤穿什么码合适？",
                "branches": [
                    {"any": ["M码", "M号", "穿M", "选M", "拍M", "建议M", "m码"], "goto": "buy"},
                    {"any": ["尺码表", "尺码对照"], "goto": "chart"},
                ],
                "nudge": "能帮我推荐一下尺码吗？",
            },
            "chart": {
                "say": "尺码表我看了有点晕，你直接告诉我选哪个码吧？",
                "branches": [{"any": ["M码", "M号", "穿M", "选M", "拍M", "建议M", "m码"], "goto": "buy"}],
                "nudge": "所以我该选哪个码呢？",
            },
            "buy": {"say": "好的，那我拍M码，谢谢推荐！", "end": Outcome.ORDER_PLACED},
        },
    },
    "shipping": {
        "title": "发货时间",
        "start": "ask",
        "nodes": {
            "ask": {
                "say": "亲，现在下单什么时候发货？大概几天能到？",
                "branches": [
                    {"any": ["小时内发货", "当天发货", "今天发货", "24小时", "48小时"], "goto": "days"}
                ],
                "nudge": "请问几天能发货呀？",
            },
            "days": {
                "say": "那寄到我这里一般要几天？",
                "branches": [{"any": ["天", "快递", "物流"], "goto": "done"}],
                "nudge": "大概要几天能收到呢？",
            },
            "done": {"say": "明白了，谢谢，我考虑一下。", "end": Outcome.RESOLVED},
        },
    },
    "discount": {
        "title": "议价/优惠",
        "start": "ask",
        "patience": 3,
        "nodes": {
            "ask": {
                "say": "老板，这个能便宜点吗？我买两件，给个优惠呗。",
                "branches": [
                    {"any": ["优惠券", "领券", "满减", "店铺券", "包邮"], "goto": "buy"},
                    {"any": ["不能", "不议价", "没有优惠", "已经是", "实价"], "goto": "again"},
                ],
                "nudge": "到底能不能优惠一点嘛？",
            },
            "again": {
                "say": "一分都不能少吗？那有没有什么券可以用？",
                "branches": [{"any": ["优惠券", "领券", "满减", "店铺券", "包邮"], "goto": "buy"}],
                "default": "leave",
            },
            "buy": {"say": "好，那我领券下单了，谢谢老板！", "end": Outcome.ORDER_PLACED},
            "leave": {"say": "那算了，我再看看别家。", "end": Outcome.LOST},
        },
    },
    "late_parcel": {
        "title": "投诉物流太慢",
        "start": "angry",
        "patience": 2,
        "transfer": "handled",
        "nodes": {
            "angry": {
                "say": "怎么回事？我的快递五天了还没到，物流信息一直不动，你们到底管不管？！",
                "branches": [
                    {"any": ["抱歉", "对不起", "不好意思", "歉意"], "goto": "calmer"},
                ],
                "nudge": "连句道歉都没有吗？我要投诉！",
            },
            "calmer": {
                "say": "光道歉有什么用，你们打算怎么处理？",
                "branches": [
                    {"any": ["查询", "联系快递", "核实", "跟进", "催件", "补发", "售后"], "goto": "handled"},
                ],
                "nudge": "我问的是怎么处理！",
            },
            "handled": {"say": "好吧，那麻烦你们尽快处理，有结果告诉我。", "end": Outcome.REFUND_HANDLED},
        },
    },
    "refund": {
        "title": "申请退款",
        "start": "ask",
        "transfer": "handled",
        "nodes": {
            "ask": {
                "say": "你好，我买的东西收到后发现有破损，想退款，怎么操作？",
                "branches": [{"any": ["照片", "图片", "拍照", "订单号"], "goto": "photo"}],
                "nudge": "请问退款要怎么办理？",
            },
            "photo": {
                "say": "照片已经拍好了，订单号你可以查一下。接下来呢？",
                "branches": [{"any": ["退款", "退货", "售后"], "goto": "wait"}],
                "nudge": "然后要怎么退？",
            },
            "wait": {
                "say": "好的，那请帮我转到售后处理吧。",
                "branches": [],
                "nudge": "请帮我转售后处理，谢谢。",
            },
            "handled": {"say": "收到，谢谢你们处理这么快。", "end": Outcome.REFUND_HANDLED},
        },
    },
}


def _words(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise DomainError(N_("买家脚本的关键词应为非空的字符串列表"))
    return value


def validate(script: Any) -> dict[str, Any]:
    """The script if it is well formed (every node reachable by name, every ending known); else refused."""
    if not isinstance(script, dict) or not isinstance(script.get("nodes"), dict) or not script["nodes"]:
        raise DomainError(N_("买家脚本格式不正确：缺少 nodes"))
    nodes = script["nodes"]
    if not all(isinstance(name, str) and 0 < len(name) <= 40 for name in nodes):
        raise DomainError(N_("买家脚本的节点名应为不超过 40 个字符的字符串"))
    if script.get("start") not in nodes:
        raise DomainError(N_("买家脚本的起始节点不存在"))
    if script.get("transfer") is not None and script["transfer"] not in nodes:
        raise DomainError(N_("买家脚本的转售后节点不存在"))
    for node in nodes.values():
        if not isinstance(node, dict) or not isinstance(node.get("say"), str) or not node["say"].strip():
            raise DomainError(N_("买家脚本的每个节点都要有买家说的话（say）"))
        if "end" in node:
            if node["end"] not in ENDINGS:
                raise DomainError(N_("买家脚本的结束结果未知：%(end)s"), end=str(node["end"]))
            continue
        for branch in node.get("branches") or []:
            if not isinstance(branch, dict) or branch.get("goto") not in nodes:
                raise DomainError(N_("买家脚本的分支指向不存在的节点"))
            _words(branch.get("any"))
        if node.get("default") is not None and node["default"] not in nodes:
            raise DomainError(N_("买家脚本的默认分支指向不存在的节点"))
    patience = script.get("patience", DEFAULT_PATIENCE)
    if not isinstance(patience, int) or isinstance(patience, bool) or not 0 <= patience <= 10:
        raise DomainError(N_("买家脚本的耐心次数应为 0 到 10 的整数"))
    delay = script.get("delay", list(DEFAULT_DELAY))
    if (
        not isinstance(delay, list | tuple)
        or len(delay) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in delay)
        or not 0 <= delay[0] <= delay[1] <= 3600
    ):
        raise DomainError(N_("买家脚本的回复延迟应为两个整数秒 [最短, 最长]，不超过 3600"))
    return script


def resolve(script: Any) -> tuple[str, dict[str, Any]]:
    """(script id, script) for a built-in script's id or a script given as data (its `id`, else "custom")."""
    if isinstance(script, str):
        found = BUILTIN.get(script)
        if found is None:
            raise DomainError(N_("没有这个买家脚本：%(name)s"), name=script)
        return script, found
    checked = validate(script)
    return str(checked.get("id") or "custom")[:40], checked


def next_node(script: dict[str, Any], node: str, seller_text: str) -> str | None:
    """The node the seller's words lead to from `node` (None: no branch matched and no default)."""
    here = script["nodes"][node]
    lowered = seller_text.lower()
    for branch in here.get("branches") or []:
        if any(word.lower() in lowered for word in branch["any"]):
            return branch["goto"]
    return here.get("default")


for _id, _script in BUILTIN.items():  # the built-ins must be valid too
    validate(_script)
