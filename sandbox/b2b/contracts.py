"""The deal's contract (购销合同): the supplier draws it up from the agreed terms and signs it, the
purchaser checks that signature and signs too. Each signature covers the contract's sent content;
a contract changed after signing no longer verifies, and its page says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sandbox.b2b import deals, documents
from sandbox.b2b.company_models import Company, CompanyUser
from sandbox.b2b.deal_models import Deal, DealStage
from sandbox.b2b.document_models import Document
from sandbox.errors import N_, DomainError
from sandbox.pki import documents as signed_docs
from sandbox.pki import validation
from sandbox.pki.models import DocumentSignature
from sandbox.worlds.world import World

SIGNED_TYPE = "b2b_contract"
MAX_DELIVERY_DAYS = 90
PENALTY = (
    "任何一方违约，应向对方支付合同总额5%的违约金；供方逾期交货的，每逾期一日按逾期部分货款的0.1%"
    "支付违约金；供方交货数量不足的，按实际交货数量结算。"
)


@dataclass
class Verified:
    """One signature on a contract and what checking it now concludes."""

    signature: DocumentSignature
    company: str
    outcome: str

    @property
    def valid(self) -> bool:
        """Whether the signature holds for the contract as it is now."""
        return self.outcome == validation.Outcome.VALID

    @property
    def label(self) -> str:
        """The outcome's message key (签名有效, 签名无效（内容被篡改）, 证书已吊销 …)."""
        return validation.Outcome.LABELS.get(self.outcome, self.outcome)


def signed_content(doc: Document) -> dict[str, Any]:
    """What each party signs: the contract's number, parties, deal, content and total."""
    return {
        "number": doc.number,
        "deal": doc.deal_id,
        "supplier": doc.sender_id,
        "purchaser": doc.receiver_id,
        "content": doc.fields,
        "grand_total_fen": doc.grand_total_fen,
    }


def verify(w: World, doc: Document) -> list[Verified]:
    """Every signature on the contract, checked against its content now (oldest first)."""
    out = []
    for sig in signed_docs.signatures(w, SIGNED_TYPE, doc.number or ""):
        checked = signed_docs.verify(w, sig, signed_content(doc))
        out.append(Verified(sig, _signer_company(w, sig.signer), checked.outcome))
    return out


def _signer_company(w: World, owner: str) -> str:
    """The name of the company whose login (or NPC mailbox) holds the signing certificate."""
    user = w.db.scalars(select(CompanyUser).where(CompanyUser.login == owner)).first()
    if user is not None and user.company is not None:
        return user.company.name
    company = w.db.scalars(select(Company).where(Company.email == owner)).first()
    return company.name if company else owner


def _sign(w: World, company: Company, owner: str, entry_id: object, password: str, doc: Document) -> None:
    try:
        entry = int(str(entry_id))
    except ValueError:
        raise DomainError(N_("请选择用于签名的证书")) from None
    if not password:
        raise DomainError(N_("请输入证书密码"))
    signed_docs.sign(w, owner, entry, password, SIGNED_TYPE, doc.number or "", signed_content(doc))


def send_contract(
    w: World,
    company_id: int,
    deal_id: object,
    *,
    owner: str,
    entry_id: object,
    password: str,
    delivery_days: object = 7,
    payment_terms: str = "货到付款",
) -> Document:
    """The supplier draws up the contract from the agreed terms (goods, quantity, price, delivery in
    `delivery_days` days at the deal's place, payment terms, 违约责任), sends it and signs it."""
    deal = deals._as_supplier(w, company_id, deal_id)
    deals._expect(deal, DealStage.AGREED)
    days = deals.delivery.parse_whole(delivery_days, N_("交货期须为 1 到 90 天"))
    if days > MAX_DELIVERY_DAYS:
        raise DomainError(N_("交货期须为 1 到 90 天"))
    if payment_terms not in deals.forms.PAYMENT_TERMS:
        raise DomainError(N_("付款方式请从列表中选择"))
    seller, buyer = deal.supplier, deal.purchaser
    today = w.now().date()
    doc = deals._submit(
        w,
        deal,
        company_id,
        "sales_contract",
        {
            "seller_name": seller.name,
            "seller_credit_code": seller.credit_code,
            "seller_address": seller.address,
            "buyer_name": buyer.name,
            "buyer_credit_code": buyer.credit_code,
            "buyer_address": buyer.address,
            "sign_date": today.isoformat(),
            "sign_place": "B2B交易平台（网上签订）",
            "delivery_date": (today + timedelta(days=days)).isoformat(),
            "delivery_place": deal.delivery_place,
            "payment_terms": payment_terms,
            "quality_terms": "按国家标准及供方产品标准执行",
            "penalty": PENALTY,
            "dispute": "协商解决；协商不成的，向需方所在地人民法院起诉",
            "tax_rate": deals.TAX_RATE,
            "amount_words": deals._words(deal.contract_total_fen or 0),
            "remarks": deals.PRICE_NOTE,
        },
        [deals.line(deal, deal.quantity, deal.unit_price_fen)],
    )
    _sign(w, seller, owner, entry_id, password, doc)
    deals._move(w, deal, company_id, DealStage.CONTRACT_SENT, doc)
    return doc


def sign_contract(
    w: World, company_id: int, deal_id: object, *, owner: str, entry_id: object, password: str
) -> Document:
    """The purchaser signs the contract after checking the supplier's signature still holds."""
    deal: Deal = deals._as_purchaser(w, company_id, deal_id)
    deals._expect(deal, DealStage.CONTRACT_SENT)
    doc = deals.contract(w, deal)
    checks = verify(w, doc)
    if not checks:
        raise DomainError(N_("合同 %(number)s 上没有供方的签名，不能签署"), number=doc.number)
    bad = next((c for c in checks if not c.valid), None)
    if bad is not None:
        raise DomainError(
            N_("合同 %(number)s 的签名验证未通过（%(why)s）：不能签署，请联系供应商"),
            number=doc.number,
            why=bad.label,
        )
    _sign(w, deal.purchaser, owner, entry_id, password, doc)
    documents.accept(w, company_id, doc.id, "已签署")
    deals._move(w, deal, company_id, DealStage.SIGNED, doc)
    return doc


def signed_by_both(w: World, deal: Deal) -> bool:
    """Whether the deal's contract carries two valid signatures (supplier's and purchaser's)."""
    doc = deals.contract(w, deal)
    if doc is None:
        return False
    checks = verify(w, doc)
    return len(checks) >= 2 and all(c.valid for c in checks)
