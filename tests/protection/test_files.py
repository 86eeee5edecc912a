"""Encrypted files: streaming, seekable, authenticated chunk by chunk."""

import io
import os
import zipfile

import pytest

from cancuoc.protection import crypto, files

SIZES = [0, 1, 15, 16, 17, 47, 48, 49, 1000]


def write(path, data: bytes, chunk_bytes: int = 16) -> None:
    with io.BufferedWriter(files.EncryptingWriter(path, chunk_bytes=chunk_bytes)) as out:
        for start in range(0, len(data), 7):  # odd pieces: chunk borders fall anywhere
            out.write(data[start : start + 7])


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_and_random_access(tmp_path, world, size):
    data = os.urandom(size)
    path = tmp_path / "f.upload"
    write(path, data)
    with files.open_encrypted_read(path) as handle:
        assert handle.read() == data
        for offset in {0, size // 3, max(size - 5, 0), size}:
            handle.seek(offset)
            assert handle.read(9) == data[offset : offset + 9]
        assert handle.seek(0, io.SEEK_END) == size


def test_no_plaintext_on_disk_and_owner_only(tmp_path, world):
    path = tmp_path / "people.upload"
    old = os.umask(0o022)
    try:
        with files.open_encrypted_write(path) as out:
            out.write("Số định danh,Họ và tên,Tôn giáo\n034090000001,Nguyễn Văn An,Phật giáo\n".encode())
    finally:
        os.umask(old)
    raw = path.read_bytes()
    assert raw.startswith(files.MAGIC) and b"Nguy" not in raw and "Phật".encode() not in raw
    assert path.stat().st_mode & 0o777 == 0o600


def tampered(path, change) -> None:
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(change(data)))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d[:40] + bytes([d[40] ^ 1]) + d[41:], id="a changed byte"),
        pytest.param(lambda d: d[: files.HEADER.size + 2 * 32], id="cut at a chunk border"),
        pytest.param(lambda d: d + d[files.HEADER.size : files.HEADER.size + 32], id="a chunk appended"),
        pytest.param(
            lambda d: d[: files.HEADER.size] + d[files.HEADER.size + 32 : files.HEADER.size + 64]
            + d[files.HEADER.size : files.HEADER.size + 32] + d[files.HEADER.size + 64 :],
            id="two chunks swapped",
        ),
        pytest.param(lambda d: d[:20] + bytes([d[20] ^ 1]) + d[21:], id="the salt changed"),
    ],
)  # fmt: skip
def test_any_tampering_is_a_clean_error(tmp_path, world, change):
    path = tmp_path / "f.upload"
    write(path, bytes(range(100)))  # 7 chunks of 16 bytes (16 + 16-byte tag = 32 on disk)
    tampered(path, change)
    with pytest.raises(crypto.DecryptionError):
        with files.open_encrypted_read(path) as handle:
            handle.read()


def test_a_plain_file_is_refused(tmp_path, world):
    path = tmp_path / "plain.csv"
    path.write_bytes(b"id,name\n" + b"034090000001,Nguyen Van An\n" * 10)
    with pytest.raises(crypto.DecryptionError, match="not an encrypted file"):
        files.open_encrypted_read(path)


def test_a_zip_is_read_through_the_seekable_view(tmp_path, world):
    """XLSX uploads are zip archives, read by seeking: the decrypting view must behave like a file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<sheetData>" + "<row/>" * 50000 + "</sheetData>")
        archive.writestr("docProps/app.xml", "Công dân")
    path = tmp_path / "book.upload"
    with files.open_encrypted_write(path) as out:
        out.write(buffer.getvalue())
    with files.open_encrypted_read(path) as handle, zipfile.ZipFile(handle) as archive:
        assert archive.read("docProps/app.xml").decode() == "Công dân"
        assert archive.read("xl/worksheets/sheet1.xml").count(b"<row/>") == 50000
