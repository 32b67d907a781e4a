"""The CA's part of a world. In the template: the root and issuing CA (fresh keys for every template,
so no two scenario versions share a CA), the CA's mailbox, and partners (people and companies with
certificates in the CA's directory and keys in their own stores), including a signer whose certificate
was revoked, one whose certificate has expired, and one certified by a CA this world does not trust.
A pool of spare keys lets the overlay give a candidate a certificate without generating a key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from stdnum.cn import uscc

from sandbox.mail import services as mail
from sandbox.pki import authority, ca, keys, store
from sandbox.pki.models import CertKind, StoreEntry
from sandbox.worlds.world import World

POOL = "pool@ca.mail.sim"
POOL_SIZE = 4
ROGUE_CA = "信达安全认证中心"  # a CA this world's trust list does not have


@dataclass(frozen=True)
class Partner:
    """Someone in the CA's directory the candidate can write to or hear from."""

    key: str
    name: str
    email: str
    org: str = ""
    credit_code: str = ""
    problem: str = ""  # "", "revoked", "expired" or "untrusted"


PARTNERS = (
    Partner("wang", "王晓燕", "wang.xiaoyan@hengxin.mail.sim", "恒信商贸有限公司", "91330106MA2H7Q3K5B"),
    Partner("zhao", "赵志强", "zhao.zhiqiang@boyuan.mail.sim", "博远电子商务有限公司", "91440106MA5D2L8N9X"),
    Partner("chen", "陈静", "chen.jing@jiahe.mail.sim", "嘉和科技有限公司", "91320102MA1W3R6T2P"),
    Partner("liu", "刘海涛", "liu.haitao@qiming.mail.sim", "启明贸易有限公司", "91510107MA6C4E8Y1J"),
    Partner("sun", "孙丽", "sun.li@anta.mail.sim", "安泰商贸有限公司", "91310104MA1G5H2K3W", "revoked"),
    Partner(
        "zhou",
        "周建国",
        "zhou.jianguo@xinghai.mail.sim",
        "星海电子商务有限公司",
        "91420106MA4K9B7D6M",
        "expired",
    ),
    Partner("wu", "吴磊", "wu.lei@jincheng.mail.sim", "锦程科技有限公司", "91610113MA6U2W5Q8R", "untrusted"),
)


def populate(w: World) -> None:
    """The CA, its mailbox, the partners and the key pool (template time)."""
    ca.found(w)
    mail.open_mailbox(w, ca.CA_MAIL, "云盾数字认证中心")
    rogue_key = keys.new_key()
    rogue = authority.root_certificate(
        rogue_key, authority.ca_name(ROGUE_CA, "信达安全认证有限公司"), w.now()
    )
    for p in PARTNERS:
        mail.open_mailbox(w, p.email, p.name, owner="partner")
        key = keys.new_key()
        subject = authority.Subject(CertKind.ENTERPRISE, p.name, p.email, p.org, _code(p.credit_code))
        if p.problem == "untrusted":
            cert = authority.end_entity_certificate(
                subject, key.public_key(), "both", rogue, rogue_key, w.now(), 365
            )
        else:
            start = w.now() - timedelta(days=400) if p.problem == "expired" else w.now() - timedelta(days=30)
            row = ca.issue(w, subject, key.public_key(), holder=p.email, not_before=start)
            cert = x509.load_der_x509_certificate(row.der)
            if p.problem == "revoked":
                row.status, row.status_at, row.reason = (
                    "revoked",
                    w.now() - timedelta(days=2),
                    "key_compromise",
                )
        store.import_key(w, p.email, key, cert, store.npc_password(w, p.email), "seed")
    for _ in range(POOL_SIZE):
        w.db.add(
            StoreEntry(
                owner=POOL,
                key_blob=keys.wrap(keys.new_key(), store.npc_password(w, POOL)),
                added_at=w.now(),
                source="pool",
            )
        )
    w.db.flush()


def _code(code: str) -> str:
    """A credit code with its right check character (the table above gives 17 digits and a placeholder)."""
    return code[:17] + uscc.calc_check_digit(code[:17])
