"""Certificates: prints `issue <N> per s` (a certificate signed and recorded for a request's key) and
`issue+keygen <N> per s` (the CA generates the key pair too), `sign+verify <N> per s` and
`encrypt+decrypt <N> per s` for a 4 KiB mail (S/MIME, path validation with the current CRL), and
`world <N> ms`: the median world creation with the CA in the template, beside the same without it.

The CA's keys belong to the template, not the attempt: world creation must stay within 1.5 times the
figure without a CA.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import temp_app

from sandbox.control.attempts import prepare_world
from sandbox.pki import authority, ca, cms, keys, validation
from sandbox.pki.models import CertKind
from sandbox.worlds.store import open_world
from seed_data import generate

MAIL = ("您好！这是一封测试邮件，附有本月的对账单。\n" * 120).encode()[:4096]


def per_second(fn, seconds: float = 3.0) -> float:  # noqa: ANN001
    """How many calls of fn complete per second (run for about `seconds`)."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - started)


def world_median(rt, scenario, worlds: int) -> float:  # noqa: ANN001
    """Median ms to clone the scenario's template and apply an attempt's overlay."""
    times = []
    for i in range(worlds):
        started = time.perf_counter()
        prepare_world(rt, scenario, seed=i + 1, key=f"bench-{i}", started_real=time.time())
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worlds", type=int, default=40)
    parser.add_argument("--scenario", default="b2c-purchase")
    args = parser.parse_args()

    path = Path(tempfile.mkdtemp(prefix="sandbox-pki-")) / "world.sqlite"
    generate.build_world(path)
    w = open_world(path)
    subject = authority.Subject(CertKind.PERSONAL, "王晓燕", "bench@mail.sim")
    public = keys.new_key().public_key()
    print(f"issue {per_second(lambda: ca.issue(w, subject, public)):.0f} per s")
    print(f"issue+keygen {per_second(lambda: ca.issue(w, subject, keys.new_key().public_key())):.1f} per s")

    key = keys.new_key()
    cert = ca.issue(w, subject, key.public_key())
    from cryptography import x509

    signer = x509.load_der_x509_certificate(cert.der)
    entity = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + MAIL
    t = validation.trust(w)
    chain = ca.chain(w)

    def sign_verify() -> None:
        signed = cms.sign(entity, key, signer, chain)
        verdict, _ = cms.verify(
            signed, trust_roots=t.roots, intermediates=t.intermediates, crls=t.crls, moment=t.moment
        )
        assert verdict.code == cms.VALID, verdict

    def encrypt_decrypt() -> None:
        assert "对账单".encode() in cms.decrypt(cms.encrypt(entity, [signer]), key, signer)

    print(f"sign+verify {per_second(sign_verify):.0f} per s")
    print(f"encrypt+decrypt {per_second(encrypt_decrypt):.0f} per s")
    w.close()

    with_ca = temp_app()
    rt = with_ca.extensions["sandbox"]
    scenario = rt.scenarios.get(args.scenario)
    with_figure = world_median(rt, scenario, args.worlds)
    import sandbox.control.attempts as attempts

    def without_ca(p: Path) -> None:
        """The template stays the base world's image: no authority added."""

    attempts.add_authority = without_ca
    try:
        without = temp_app()
        rt2 = without.extensions["sandbox"]
        without_figure = world_median(rt2, rt2.scenarios.get(args.scenario), args.worlds)
    finally:
        attempts.add_authority = generate.add_authority
    print(f"world {with_figure:.1f} ms (median of {args.worlds}, {args.scenario}, CA in the template)")
    print(f"world without CA {without_figure:.1f} ms (ratio {with_figure / without_figure:.2f})")


if __name__ == "__main__":
    sys.exit(main())
