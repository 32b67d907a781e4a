"""The world's partners: people of companies with certificates in the CA's directory and keys in their
own stores (seed_data/pki_seed.py issues them when a template is built), including a signer whose
certificate was revoked, one whose certificate has expired, and one certified by a CA this world does not
trust. Data only."""

from __future__ import annotations

from dataclasses import dataclass


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
