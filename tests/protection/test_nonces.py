"""Nonces come from the OS a few thousand at a time; none is ever used twice, not even by a forked child."""

import os

from cancuoc.protection import crypto


def test_nonces_never_repeat_across_refills():
    seen = {crypto._nonces.take() for _ in range(3 * 4096 + 7)}
    assert len(seen) == 3 * 4096 + 7
    assert all(len(nonce) == crypto.NONCE_BYTES for nonce in seen)


def test_a_forked_child_does_not_use_the_nonces_its_parent_has_left():
    crypto._nonces.take()  # the parent's pool holds 4,095 unused nonces
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first nonce, sent to the parent
        os.close(read)
        os.write(write, crypto._nonces.take())
        os._exit(0)
    os.close(write)
    child_nonce = os.read(read, crypto.NONCE_BYTES)
    os.close(read)
    os.waitpid(pid, 0)
    assert child_nonce != crypto._nonces.take(), "the child must draw fresh bytes, not the parent's next nonce"


def test_one_key_seals_a_bulk_write_under_the_key_current_when_it_began(own_keys):
    from cancuoc import keyring

    first = keyring.current(crypto.KEY_NAME)
    with crypto.one_key():
        before = crypto.seal("Kinh", "ctx")
        keyring.create_version(crypto.KEY_NAME)  # rotated meanwhile: the block keeps its key
        during = crypto.seal("Kinh", "ctx")
    after = crypto.seal("Kinh", "ctx")
    assert crypto.key_version_of(before) == crypto.key_version_of(during) == first.version
    assert crypto.key_version_of(after) == first.version + 1
    assert crypto.open_sealed(during, "ctx") == "Kinh"
