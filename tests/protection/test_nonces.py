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
