"""Strong login hashes take turns on the machine (a whole hall logging in at once must leave a core to
the pages): a slot is a lock on a file of the data folder, shared by every process using that folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from sandbox import secrets_hashing

PROBE = """
import fcntl, os, sys
free = 0
for name in sys.argv[2:]:
    fd = os.open(os.path.join(sys.argv[1], name), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        free += 1
    except BlockingIOError:
        pass
    os.close(fd)
print(free)
"""


def _free_slots_seen_by_another_process(folder: Path, slots: int) -> int:
    names = [f".strong-hash-{i}.lock" for i in range(slots)]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder), *names], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@pytest.fixture()
def one_slot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(secrets_hashing, "STRONG_HASH_SLOTS", 1)
    monkeypatch.setattr(secrets_hashing, "_slot_dir", None)
    secrets_hashing.share_slots(tmp_path)
    return tmp_path


def test_a_strong_hash_holds_the_machine_slot_while_it_runs(one_slot: Path) -> None:
    assert _free_slots_seen_by_another_process(one_slot, 1) == 1
    with secrets_hashing.strong_hash_slot():
        assert _free_slots_seen_by_another_process(one_slot, 1) == 0  # another worker would wait
    assert _free_slots_seen_by_another_process(one_slot, 1) == 1


def test_login_checks_still_answer_right_through_the_slot(one_slot: Path) -> None:
    stored = generate_password_hash("ticket-pass", method="pbkdf2:sha256:1000")
    assert secrets_hashing.check_secret(stored, "ticket-pass")
    assert not secrets_hashing.check_secret(stored, "wrong")
    assert not secrets_hashing.check_secret(None, "ticket-pass")
    assert secrets_hashing.check_secret(secrets_hashing.hash_login_password("p4ss"), "p4ss")


def test_in_world_secrets_do_not_queue_for_a_slot(one_slot: Path) -> None:
    world = secrets_hashing.hash_world_secret("123456")
    with secrets_hashing.strong_hash_slot():  # the slot is taken; a world secret is checked at once
        assert secrets_hashing.check_secret(world, "123456")
